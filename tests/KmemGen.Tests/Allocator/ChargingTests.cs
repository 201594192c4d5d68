using KmemGen.Internal;

namespace KmemGen.Tests.Allocator;

/// <summary>
/// The allocator's side of the charging contract (MemcgHooks): which allocations are charged, where the
/// owner is kept, who is refunded, and that every failure path gives the charge back. Each test works
/// in its own child cgroup and asserts exact memory.stat bytes (flushed for the calling thread).
/// </summary>
public unsafe class ChargingTests : IDisposable
{
    private readonly MemCgroup _cg = MemCgroup.Root.CreateChild($"alloc-charging-{Guid.NewGuid():N}");

    public void Dispose()
    {
        FaultInjection.Reset();
        ObjStock.DrainCurrentThread();
        _cg.Remove();
    }

    private static uint OwnerSlot(void* obj)
    {
        PageDesc* s = PageAllocator.LookupHead(obj);
        SlabCache cache = SlabRegistry.Get(s->CacheId)!;
        if (s->OwnerVec == null) return 0;
        long off = (byte*)obj - Arena.AddressOf(s);
        return s->OwnerVec[off / cache.SlotSize];
    }

    [Fact]
    public void An_unaccounted_allocation_is_not_charged_and_gets_no_owner_vector()
    {
        using var cache = SlabCache.Create("charge-none", 64);
        void* p;
        using (_cg.Enter()) p = cache.Alloc();
        Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
        Assert.True(PageAllocator.LookupHead(p)->OwnerVec == null);
        cache.Free(p);
    }

    [Fact]
    public void Gfp_Account_charges_one_object_and_records_its_owner_in_4_bytes()
    {
        using var cache = SlabCache.Create("charge-gfp", 100);
        void* p;
        using (_cg.Enter()) p = cache.Alloc(Gfp.KernelAccount);
        Assert.Equal(100, _cg.Stat.SlabUnreclaimable);
        Assert.NotEqual(0u, OwnerSlot(p));
        cache.Free(p);
        Assert.Equal(0u, OwnerSlot(p));
        Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
    }

    [Fact]
    public void SlabFlags_Account_charges_every_object_and_Reclaimable_picks_the_bucket()
    {
        using var cache = SlabCache.Create("charge-flag", 64, SlabFlags.Account | SlabFlags.Reclaimable);
        var objs = new List<nint>();
        using (_cg.Enter())
            for (int i = 0; i < 1000; i++) objs.Add((nint)cache.Alloc());
        Assert.Equal(64_000, _cg.Stat.SlabReclaimable);
        Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
        foreach (nint p in objs) cache.Free((void*)p);
        Assert.Equal(0, _cg.Stat.SlabReclaimable);
    }

    [Fact]
    public void Allocating_at_the_root_is_not_charged()
    {
        using var cache = SlabCache.Create("charge-root", 64, SlabFlags.Account);
        void* p = cache.Alloc();
        Assert.Equal(0u, OwnerSlot(p));
        cache.Free(p);
    }

    [Fact]
    public void A_free_on_another_thread_refunds_the_recorded_owner()
    {
        using var cache = SlabCache.Create("charge-remote", 128, SlabFlags.Account);
        MemCgroup other = MemCgroup.Root.CreateChild($"alloc-charging-other-{Guid.NewGuid():N}");
        var objs = new List<nint>();
        using (_cg.Enter())
            for (int i = 0; i < 300; i++) objs.Add((nint)cache.Alloc());
        Assert.Equal(300 * 128, _cg.Stat.SlabUnreclaimable);
        var t = new Thread(() =>
        {
            using (other.Enter())                      // the freeing thread's own cgroup is irrelevant
                foreach (nint p in objs) cache.Free((void*)p);
            ObjStock.DrainCurrentThread();
        });
        t.Start();
        t.Join();
        Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
        Assert.Equal(0, other.Stat.SlabUnreclaimable);
        ObjStock.DrainCurrentThread();
        Assert.Equal(0, _cg.Usage);
        other.Remove();
    }

    [Fact]
    public void Turning_Account_on_late_leaves_earlier_objects_unaccounted()
    {
        using var cache = SlabCache.Create("charge-late", 64);
        void* before, after;
        using (_cg.Enter())
        {
            before = cache.Alloc();
            cache.Account = true;
            after = cache.Alloc();
        }
        Assert.Equal(0u, OwnerSlot(before));
        Assert.NotEqual(0u, OwnerSlot(after));
        Assert.Equal(64, _cg.Stat.SlabUnreclaimable);
        cache.Free(before);                            // refunds nothing
        Assert.Equal(64, _cg.Stat.SlabUnreclaimable);
        cache.Free(after);
        Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
    }

    [Fact]
    public void A_charge_over_the_limit_gives_the_object_back()
    {
        using var cache = SlabCache.Create("charge-limit", 2048, SlabFlags.Account);
        _cg.WriteFile("memory.max", "64K");
        var objs = new List<nint>();
        using (_cg.Enter())
        {
            void* p;
            while ((p = cache.TryAlloc()) != null) objs.Add((nint)p);
            Assert.ThrowsAny<OutOfMemoryException>(() => cache.Alloc());
        }
        Assert.Equal(32, objs.Count);
        Assert.Equal(objs.Count, cache.LiveObjects);    // the refused ones went back
        foreach (nint p in objs) cache.Free((void*)p);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Bulk_allocation_is_charged_in_one_step_and_refunded_whole_on_failure()
    {
        using var cache = SlabCache.Create("charge-bulk", 256, SlabFlags.Account);
        var objs = new IntPtr[cache.ObjectsPerSlab * 2 + 1];
        using (_cg.Enter())
        {
            Assert.True(cache.TryAllocBulk(Gfp.Kernel, objs));
            Assert.Equal(256L * objs.Length, _cg.Stat.SlabUnreclaimable);
            Assert.All(objs, p => Assert.NotEqual(0u, OwnerSlot((void*)p)));
            cache.FreeBulk(objs);
            Assert.Equal(0, _cg.Stat.SlabUnreclaimable);

            // The third slab's pages cannot be had: objects and charge all come back.
            Array.Clear(objs);
            FaultInjection.FailNth(FaultPoint.PageAlloc, 1);
            cache.Shrink();
            Assert.False(cache.TryAllocBulk(Gfp.Kernel, objs));
            Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
            Assert.Equal(0, cache.LiveObjects);

            // Or the charge itself is refused: nothing is taken.
            _cg.WriteFile("memory.max", "4K");
            ObjStock.DrainCurrentThread();
            Assert.ThrowsAny<OutOfMemoryException>(() => cache.AllocBulk(Gfp.Kernel, objs));
            Assert.Equal(0, cache.LiveObjects);
        }
    }

    [Fact]
    public void A_failed_owner_vector_refunds_the_charge_and_gives_the_object_back()
    {
        using var cache = SlabCache.Create("charge-vector", 64, SlabFlags.Account);
        using (_cg.Enter())
        {
            FaultInjection.FailNth(FaultPoint.OwnerVector, 1);
            Assert.True(cache.TryAlloc() == null);
            Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
            Assert.Equal(0, cache.LiveObjects);
            FaultInjection.FailNth(FaultPoint.OwnerVector, 1);
            var e = Assert.Throws<OutOfMemoryException>(() => cache.Alloc());
            Assert.Contains("owner vector", e.Message);

            // A bulk whose vector fails midway refunds every share.
            var objs = new IntPtr[10];
            FaultInjection.FailNth(FaultPoint.OwnerVector, 1);
            Assert.False(cache.TryAllocBulk(Gfp.Kernel, objs));
            Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
            Assert.Equal(0, cache.LiveObjects);

            void* p = cache.Alloc();
            Assert.Equal(64, _cg.Stat.SlabUnreclaimable);
            cache.Free(p);
        }
        Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
    }

    [Fact]
    public void Kmalloc_accounted_goes_to_the_cg_cache_and_large_ones_count_as_vmalloc()
    {
        void* small, large;
        using (_cg.Enter())
        {
            small = Kmalloc.Alloc(100, Gfp.KernelAccount);
            large = Kmalloc.Alloc(20_000, Gfp.KernelAccount);
        }
        Assert.Equal(128, _cg.Stat.SlabUnreclaimable);   // the size class is charged
        Assert.Equal(8 * 4096, _cg.Stat.Vmalloc);
        Kmalloc.Free(small);
        Kmalloc.Free(large);
        Assert.Equal(0, _cg.Stat.SlabUnreclaimable);
        Assert.Equal(0, _cg.Stat.Vmalloc);
    }

    [Fact]
    public void Accounted_pages_count_as_kernel_memory_and_refund_their_owner()
    {
        void* p;
        using (_cg.Enter()) p = Pages.Alloc(2, Gfp.KernelAccount);
        Assert.Equal(4 * 4096, _cg.Stat.Kernel);
        var t = new Thread(() => { Pages.Free(p); ObjStock.DrainCurrentThread(); });
        t.Start();
        t.Join();
        Assert.Equal(0, _cg.Stat.Kernel);
    }

    [Fact]
    public void Accounted_percpu_memory_counts_size_times_cpus()
    {
        void* p;
        using (_cg.Enter()) p = PerCpu.Alloc(40, Gfp.KernelAccount);
        Assert.Equal(40L * PerCpu.CpuCount, _cg.Stat.Percpu);
        Assert.Equal(0, _cg.Stat.SlabUnreclaimable);     // the backing block is not charged twice
        PerCpu.Free(p);
        Assert.Equal(0, _cg.Stat.Percpu);
    }
}
