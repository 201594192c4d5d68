using static KmemGen.Tests.Memcg.TestCgroups;

namespace KmemGen.Tests.Memcg;

/// <summary>End to end through the allocator (test_kmem.c): accounted slab objects are billed, limited and refunded.</summary>
public unsafe class SlabChargingTests
{
    [Fact]
    public void Accounted_objects_show_in_current_within_the_stock_bound_and_in_stat_slab()
    {
        MemCgroup cg = Fresh("slab-e2e");
        using var cache = SlabCache.Create("memcg-e2e-" + Guid.NewGuid().ToString("N"), 128, SlabFlags.Account);
        var objects = new List<IntPtr>();
        using (cg.Enter())
        {
            for (int i = 0; i < 5000; i++) objects.Add((IntPtr)cache.Alloc(Gfp.Kernel));
        }
        long live = 5000L * cache.ObjectSize;
        Assert.InRange(cg.Usage, live, live + Batch + Page);
        Assert.Equal(live, cg.Stat.SlabUnreclaimable);

        foreach (IntPtr p in objects) cache.Free((void*)p);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        Assert.Equal(0, cg.Stat.Slab);
        cg.Remove();
    }

    [Fact]
    public void Reclaimable_caches_count_as_slab_reclaimable()
    {
        MemCgroup cg = Fresh("slab-reclaim");
        using var cache = SlabCache.Create("memcg-reclaim-" + Guid.NewGuid().ToString("N"), 64, SlabFlags.Account | SlabFlags.Reclaimable);
        void* p;
        using (cg.Enter()) p = cache.Alloc();
        Assert.Equal(cache.ObjectSize, cg.Stat.SlabReclaimable);
        Assert.Equal(0, cg.Stat.SlabUnreclaimable);
        cache.Free(p);
        DrainThisThread();
        cg.Remove();
    }

    [Fact]
    public void Beyond_max_Alloc_throws_the_limit_exception_and_TryAlloc_returns_null()
    {
        MemCgroup cg = Fresh("slab-max");
        cg.WriteFile("memory.max", "256K");
        using var cache = SlabCache.Create("memcg-max-" + Guid.NewGuid().ToString("N"), 1024, SlabFlags.Account);
        var objects = new List<IntPtr>();
        using (cg.Enter())
        {
            void* p;
            while ((p = cache.TryAlloc()) != null)
            {
                objects.Add((IntPtr)p);
                Assert.True(cg.Usage <= cg.Max);
            }
            var error = Assert.Throws<MemCgroupLimitExceededException>(() => { cache.Alloc(); });
            Assert.Equal(cg.Path, error.CgroupPath);
            Assert.Equal(256 * 1024, error.Limit);
        }
        Assert.Equal(256, objects.Count);
        Assert.True(cg.Events.Max >= 2);
        Assert.True(cg.FailCount >= 2);

        foreach (IntPtr p in objects) cache.Free((void*)p);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void Kmalloc_with_Gfp_Account_is_billed_and_a_free_from_another_thread_refunds_the_owner()
    {
        MemCgroup a = Fresh("slab-kmalloc-a");
        MemCgroup b = Fresh("slab-kmalloc-b");
        IntPtr p = IntPtr.Zero;
        OnNewThread(() =>
        {
            using (a.Enter()) p = (IntPtr)Kmalloc.Alloc(200, Gfp.KernelAccount);
            DrainThisThread();
        });
        Assert.Equal(Page, a.Usage);
        Assert.True(a.Stat.SlabUnreclaimable >= 200);

        OnNewThread(() =>
        {
            using (b.Enter()) Kmalloc.Free((void*)p);
            DrainThisThread();
        });
        Assert.Equal(0, a.Usage);
        Assert.Equal(0, b.Usage);
        a.Remove();
        b.Remove();
    }

    [Fact]
    public void Objects_outlive_their_removed_cgroup_and_refund_the_parent()
    {
        MemCgroup parent = Fresh("slab-reparent");
        MemCgroup child = parent.CreateChild("child");
        using var cache = SlabCache.Create("memcg-reparent-" + Guid.NewGuid().ToString("N"), 256, SlabFlags.Account);
        var objects = new List<IntPtr>();
        using (child.Enter())
        {
            for (int i = 0; i < 100; i++) objects.Add((IntPtr)cache.Alloc());
        }
        DrainThisThread();
        child.Remove();
        Assert.InRange(parent.Usage, 100L * cache.ObjectSize, 100L * cache.ObjectSize + Page);

        foreach (IntPtr p in objects) cache.Free((void*)p);
        DrainThisThread();
        Assert.Equal(0, parent.Usage);
        Rcu.Barrier();
        Assert.True(child.IsFreed);
        parent.Remove();
    }

    [Fact]
    public void A_bulk_allocation_is_charged_in_one_step_and_each_freed_object_refunds_its_share()
    {
        MemCgroup cg = Fresh("slab-bulk");
        using var cache = SlabCache.Create("memcg-bulk-" + Guid.NewGuid().ToString("N"), 96, SlabFlags.Account);
        var objects = new IntPtr[32];
        using (cg.Enter()) Assert.Equal(32, cache.AllocBulk(Gfp.Kernel, objects));
        Assert.Equal(32L * cache.ObjectSize, cg.Stat.SlabUnreclaimable);

        cache.FreeBulk(objects);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        Assert.Equal(0, cg.Stat.SlabUnreclaimable);
        cg.Remove();
    }

    [Fact]
    public void Gfp_NoFail_allocates_past_the_limit()
    {
        MemCgroup cg = Fresh("slab-nofail");
        cg.Max = 4096;
        using var cache = SlabCache.Create("memcg-nofail-" + Guid.NewGuid().ToString("N"), 2048, SlabFlags.Account);
        var objects = new List<IntPtr>();
        using (cg.Enter())
        {
            for (int i = 0; i < 4; i++) objects.Add((IntPtr)cache.Alloc(Gfp.NoFail));
            Assert.True(cache.TryAlloc() == null);
        }
        Assert.True(cg.Usage > cg.Max);
        Assert.Equal(4L * cache.ObjectSize, cg.Stat.SlabUnreclaimable);

        foreach (IntPtr p in objects) cache.Free((void*)p);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }
}
