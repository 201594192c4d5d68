using static KmemGen.Tests.Memcg.TestCgroups;

namespace KmemGen.Tests.Memcg;

public class RemovalTests
{
    [Fact]
    public void Removing_100_children_with_live_objects_reparents_their_charges_and_frees_them_after_the_last_free()
    {
        MemCgroup parent = Fresh("removal-100");
        var children = new List<MemCgroup>();
        var owners = new List<uint>();
        for (int i = 0; i < 100; i++)
        {
            MemCgroup child = parent.CreateChild($"c{i}");
            children.Add(child);
            using (child.Enter())
            {
                for (int j = 0; j < 10; j++) owners.Add(ChargeObject(200));
            }
        }
        DrainThisThread();
        long live = 100L * 10 * 200;
        Assert.InRange(parent.Usage, live, live + 100 * Page);
        var handles = owners.Select(OwnerOf).Distinct().ToList();
        Assert.Equal(100, handles.Count);

        foreach (MemCgroup child in children) child.Remove();

        Assert.Empty(parent.Children);
        Assert.All(children, c => Assert.False(c.IsOnline));
        Assert.All(handles, h => { using var rcu = Rcu.ReadLock(); Assert.Same(parent, h.MemCgroup); });
        Assert.InRange(parent.Usage, live, live + 100 * Page);
        Assert.Equal(live, parent.Stat.SlabUnreclaimable);

        // Later frees refund the parent; nothing goes negative.
        foreach (uint owner in owners) FreeObject(owner, 200);
        DrainThisThread();
        Assert.Equal(0, parent.Usage);
        Assert.Equal(0, parent.Stat.SlabUnreclaimable);

        Rcu.Barrier();
        Assert.All(children, c => Assert.True(c.IsFreed));
        Assert.All(handles, h => Assert.True(h.IsReleased));
        parent.Remove();
    }

    [Fact]
    public void Charges_of_a_removed_grandchild_move_on_when_its_parent_is_removed_too()
    {
        MemCgroup top = Fresh("removal-chain");
        MemCgroup mid = top.CreateChild("mid");
        MemCgroup leaf = mid.CreateChild("leaf");
        uint owner;
        using (leaf.Enter()) owner = ChargeObject(4096);
        DrainThisThread();

        leaf.Remove();
        Assert.Same(mid, ChargedCgroupOf(owner));
        mid.Remove();
        Assert.Same(top, ChargedCgroupOf(owner));
        Assert.Equal(Page, top.Usage);

        FreeObject(owner, 4096);
        DrainThisThread();
        Assert.Equal(0, top.Usage);
        Rcu.Barrier();
        Assert.True(leaf.IsFreed);
        Assert.True(mid.IsFreed);
        top.Remove();
    }

    [Fact]
    public void Charging_after_the_current_cgroup_was_removed_bills_the_parent()
    {
        MemCgroup parent = Fresh("removal-current");
        MemCgroup child = parent.CreateChild("child");
        using (child.Enter())
        {
            child.Remove();
            Rcu.Barrier();
            uint owner = ChargeObject(64);
            Assert.Same(parent, ChargedCgroupOf(owner));
            FreeObject(owner, 64);
        }
        DrainThisThread();
        Assert.Equal(0, parent.Usage);
        parent.Remove();
    }

    [Fact]
    public void A_removed_cgroup_with_no_charges_and_no_references_is_freed_after_a_grace_period()
    {
        MemCgroup cg = Fresh("removal-plain");
        cg.Remove();
        Rcu.Barrier();
        Assert.True(cg.IsFreed);
    }
}
