using static KmemGen.Tests.Memcg.TestCgroups;

namespace KmemGen.Tests.Memcg;

public class ObjCgroupTests
{
    [Fact]
    public void FromCurrent_is_null_at_the_root()
    {
        using (MemCgroup.Root.Enter()) Assert.Null(ObjCgroup.FromCurrent());
    }

    [Fact]
    public void FromCurrent_returns_the_current_cgroups_handle_with_a_reference()
    {
        MemCgroup cg = Fresh("objcg-current");
        ObjCgroup? objcg;
        using (cg.Enter()) objcg = ObjCgroup.FromCurrent();

        Assert.NotNull(objcg);
        using (Rcu.ReadLock()) Assert.Same(cg, objcg!.MemCgroup);
        objcg!.Put();
        Assert.Throws<InvalidOperationException>(() => objcg.Put());
        cg.Remove();
    }

    [Fact]
    public void Owner_ids_are_16_bits_and_the_ids_of_released_handles_are_reused()
    {
        // More cgroups than 16-bit ids, one after another: each is removed (and, charging nothing, its
        // handle released) before the next, so its id serves a later one and no id passes the limit.
        // A released id is reused after a grace period: Rcu.Barrier waits for those now and then.
        for (int i = 0; i < 70_000; i++)
        {
            if (i % 10_000 == 0) Rcu.Barrier();
            MemCgroup cg = MemCgroup.Root.CreateChild($"objcg-id-{Guid.NewGuid():N}");
            ObjCgroup? objcg;
            using (cg.Enter()) objcg = ObjCgroup.FromCurrent();
            Assert.InRange(objcg!.Id, 1u, KmemGen.Internal.MemcgHooks.MaxOwnerId);
            objcg.Put();
            cg.Remove();
        }
    }

    [Fact]
    public void TryCharge_and_Uncharge_balance_and_show_as_kernel_memory()
    {
        MemCgroup cg = Fresh("objcg-charge");
        ObjCgroup objcg;
        using (cg.Enter()) objcg = ObjCgroup.FromCurrent()!;

        Assert.True(objcg.TryCharge(6000));
        Assert.Equal(6000, cg.Stat.Kernel);
        Assert.InRange(cg.Usage, 6000, 6000 + Batch);
        objcg.Uncharge(6000);
        DrainThisThread();

        Assert.Equal(0, cg.Usage);
        Assert.Equal(0, cg.Stat.Kernel);
        objcg.Put();
        cg.Remove();
    }

    [Fact]
    public void TryCharge_beyond_max_returns_false_and_charges_nothing()
    {
        MemCgroup cg = Fresh("objcg-max");
        cg.Max = 64 * 1024;
        ObjCgroup objcg;
        using (cg.Enter()) objcg = ObjCgroup.FromCurrent()!;

        Assert.True(objcg.TryCharge(60 * 1024));
        long usage = cg.Usage;
        Assert.False(objcg.TryCharge(8 * 1024));
        Assert.Equal(usage, cg.Usage);
        Assert.Equal(1, cg.EventsLocal.Max);
        Assert.True(objcg.TryCharge(8 * 1024, Gfp.NoFail));

        objcg.Uncharge(68 * 1024);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        objcg.Put();
        cg.Remove();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Non_positive_byte_counts_are_rejected(long bytes)
    {
        MemCgroup cg = Fresh("objcg-args");
        ObjCgroup objcg;
        using (cg.Enter()) objcg = ObjCgroup.FromCurrent()!;
        Assert.Throws<ArgumentOutOfRangeException>(() => objcg.TryCharge(bytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => objcg.Uncharge(bytes));
        Assert.Equal(0, cg.Usage);
        objcg.Put();
        cg.Remove();
    }

    [Fact]
    public void MemCgroup_follows_reparenting_and_charges_then_go_to_the_parent()
    {
        MemCgroup parent = Fresh("objcg-reparent");
        MemCgroup child = parent.CreateChild("child");
        ObjCgroup objcg;
        using (child.Enter()) objcg = ObjCgroup.FromCurrent()!;

        child.Remove();
        using (Rcu.ReadLock()) Assert.Same(parent, objcg.MemCgroup);
        Assert.True(objcg.TryCharge(4096));
        DrainThisThread();
        Assert.Equal(Page, parent.Usage);

        MemCgroup billed = objcg.GetMemCgroup();
        Assert.Same(parent, billed);
        billed.CssPut();

        objcg.Uncharge(4096);
        DrainThisThread();
        objcg.Put();
        Assert.Equal(0, parent.Usage);
        Rcu.Barrier();
        Assert.True(objcg.IsReleased);
        Assert.Throws<InvalidOperationException>(() => objcg.TryCharge(64));
        parent.Remove();
    }

    [Fact]
    public void FromCurrent_inside_a_removed_cgroup_returns_the_nearest_live_ancestors_handle()
    {
        MemCgroup parent = Fresh("objcg-walk");
        MemCgroup child = parent.CreateChild("child");
        using (child.Enter())
        {
            child.Remove();
            ObjCgroup? objcg = ObjCgroup.FromCurrent();
            using (Rcu.ReadLock()) Assert.Same(parent, objcg!.MemCgroup);
            objcg.Put();
        }
        parent.Remove();
    }
}
