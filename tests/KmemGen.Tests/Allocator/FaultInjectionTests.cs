using KmemGen.Internal;

namespace KmemGen.Tests.Allocator;

public unsafe class FaultInjectionTests : IDisposable
{
    public void Dispose() => FaultInjection.Reset();

    [Fact]
    public void Failslab_fails_the_nth_allocation_only()
    {
        using var cache = SlabCache.Create("failslab", 64);
        void* a = cache.Alloc();
        FaultInjection.FailNth(FaultPoint.SlabAlloc, 2);
        void* b = cache.TryAlloc();
        Assert.True(b != null);
        Assert.True(cache.TryAlloc() == null);          // the 2nd
        var e = Assert.Throws<OutOfMemoryException>(() => { FaultInjection.FailNth(FaultPoint.SlabAlloc, 1); cache.Alloc(); });
        Assert.Contains("failslab", e.Message);
        void* c = cache.Alloc();                          // disarmed again
        Assert.Equal(3, cache.LiveObjects);
        cache.Free(a); cache.Free(b); cache.Free(c);
    }

    [Fact]
    public void A_failed_page_allocation_fails_the_slab_refill_and_leaks_nothing()
    {
        using var cache = SlabCache.Create("fail-page", 256);
        FaultInjection.FailNth(FaultPoint.PageAlloc, 1);
        Assert.True(cache.TryAlloc() == null);
        Assert.Equal(0, cache.LiveObjects);
        Assert.Equal(0, cache.SlabCount);
        FaultInjection.FailNth(FaultPoint.PageAlloc, 1);
        Assert.Throws<OutOfMemoryException>(() => Pages.Alloc(0));
        void* p = cache.Alloc();
        cache.Free(p);
    }

    [Fact]
    public void A_failed_bulk_allocation_gives_back_what_it_took()
    {
        using var cache = SlabCache.Create("fail-bulk", 128);
        var objs = new IntPtr[cache.ObjectsPerSlab * 3];
        // The third slab cannot be had: the first two slabs' objects must all come back.
        FaultInjection.FailNth(FaultPoint.PageAlloc, 3);
        Assert.False(cache.TryAllocBulk(Gfp.Kernel, objs));
        Assert.All(objs, p => Assert.Equal(IntPtr.Zero, p));
        Assert.Equal(0, cache.LiveObjects);
        FaultInjection.FailNth(FaultPoint.SlabAlloc, 5);
        Assert.Throws<OutOfMemoryException>(() => cache.AllocBulk(Gfp.Kernel, objs));
        Assert.Equal(0, cache.LiveObjects);
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
    }

    [Fact]
    public void Kmalloc_large_unwinds_on_page_failure()
    {
        FaultInjection.FailNth(FaultPoint.PageAlloc, 1);
        Assert.True(Kmalloc.TryAlloc(100_000) == null);
        Assert.Throws<OutOfMemoryException>(() => { FaultInjection.FailNth(FaultPoint.PageAlloc, 1); Kmalloc.Alloc(100_000); });
    }

    [Fact]
    public void Fault_points_are_per_thread()
    {
        using var cache = SlabCache.Create("fault-thread", 32);
        FaultInjection.FailNth(FaultPoint.SlabAlloc, 1);
        nint fromOther = 0;
        var t = new Thread(() => fromOther = (nint)cache.TryAlloc());
        t.Start();
        t.Join();
        Assert.NotEqual(0, fromOther);
        Assert.True(cache.TryAlloc() == null);
        cache.Free((void*)fromOther);
    }

    [Fact]
    public void FailNth_rejects_a_count_below_one() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultInjection.FailNth(FaultPoint.PageAlloc, 0));
}
