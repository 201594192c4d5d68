using static KmemGen.Tests.Memcg.TestCgroups;

namespace KmemGen.Tests.Memcg;

public class RemoteChargingTests
{
    [Fact]
    public async Task An_object_allocated_on_a_worker_for_A_is_billed_to_A_and_a_free_from_B_refunds_A()
    {
        MemCgroup a = Fresh("remote-a");
        MemCgroup b = Fresh("remote-b");

        // A shared worker does the allocation on tenant A's behalf (set_active_memcg).
        uint owner = await Task.Run(() =>
        {
            uint o;
            using (a.Enter()) o = ChargeObject(4000);
            DrainThisThread();
            return o;
        });
        Assert.Same(a, ChargedCgroupOf(owner));
        Assert.Equal(Page, a.Usage);
        Assert.Equal(4000, a.Stat.SlabUnreclaimable);

        // The free happens in tenant B's context, on another thread: A is refunded, B never charged.
        OnNewThread(() =>
        {
            using (b.Enter()) FreeObject(owner, 4000);
            DrainThisThread();
        });

        Assert.Equal(0, a.Usage);
        Assert.Equal(0, b.Usage);
        Assert.Equal(0, a.Stat.SlabUnreclaimable);
        a.Remove();
        b.Remove();
    }

    [Fact]
    public void ObjCgroup_taken_at_creation_bills_later_updates_from_any_context()
    {
        MemCgroup tenant = Fresh("remote-map");
        ObjCgroup? mapOwner;
        using (tenant.Enter()) mapOwner = ObjCgroup.FromCurrent();
        Assert.NotNull(mapOwner);

        // bpf_map_kmalloc_node: an update running elsewhere charges the map's owner.
        OnNewThread(() =>
        {
            Assert.True(mapOwner!.TryCharge(10_000));
            DrainThisThread();
        });
        Assert.Equal(3 * Page, tenant.Usage);

        mapOwner!.Uncharge(10_000);
        DrainThisThread();
        mapOwner.Put();
        Assert.Equal(0, tenant.Usage);
        tenant.Remove();
    }
}
