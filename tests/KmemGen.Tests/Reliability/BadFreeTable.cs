using System.Runtime.InteropServices;
using KmemGen.Tests.Allocator;
using KmemGen.Tests.Memcg;

namespace KmemGen.Tests.Reliability;

/// <summary>
/// Bad pointers given to SlabCache.Free and Kmalloc.Free, one row each, against an accounted cache whose
/// object lives in a test cgroup: the expected exception, and afterwards the cache's live count, the
/// cgroup's memory.current and memory.stat, and the process-wide page count exactly as before the
/// failed free. SlabCacheTests and KmallocTests cover rejection on unaccounted caches; this table adds
/// the accounting counters and the double frees. Global-pages collection: it asserts the page count.
/// </summary>
[Collection(GlobalPagesCollection.Name)]
public unsafe class BadFreeTable
{
    public enum BadPointer
    {
        SecondFree,             // the object was already freed (it heads this thread's free list)
        SecondFreeOlderSlab,    // freed twice into a slab this thread no longer allocates from
        SecondFreeAfterRemote,  // freed by another thread, which took its slab over, then freed here
        SecondFreeAfterRemoteRemembered, // as above, into the slab this thread last freed into
        InteriorOfRememberedSlab, // 8 bytes into a live object of the slab this thread last freed into
        SmallKmallocSecondFree, // a slab-backed kmalloc object freed twice
        Interior,               // 8 bytes into a live object
        NativeMemory,           // NativeMemory.Alloc'd
        OtherCacheObject,       // a live object of another cache
        PagesBlock,             // a block from Pages.Alloc
        KmallocLargeObject,     // a live kmalloc page-backed object
    }

    // pointer, flags of the cache it is freed to, exception expected
    public static TheoryData<BadPointer, SlabFlags, Type> SlabCacheRows => new()
    {
        { BadPointer.SecondFree,         SlabFlags.Account,                               typeof(SlabCorruptionException) },
        { BadPointer.SecondFree,         SlabFlags.None,                                  typeof(SlabCorruptionException) },
        { BadPointer.SecondFreeOlderSlab, SlabFlags.Account,                              typeof(SlabCorruptionException) },
        { BadPointer.SecondFreeAfterRemote, SlabFlags.Account,                            typeof(SlabCorruptionException) },
        { BadPointer.SecondFreeAfterRemoteRemembered, SlabFlags.Account,                  typeof(SlabCorruptionException) },
        { BadPointer.SecondFreeAfterRemoteRemembered, SlabFlags.None,                     typeof(SlabCorruptionException) },
        { BadPointer.InteriorOfRememberedSlab, SlabFlags.None,                            typeof(ArgumentException) },
        { BadPointer.SecondFree,         SlabFlags.Account | SlabFlags.ConsistencyChecks, typeof(SlabCorruptionException) },
        { BadPointer.SecondFree,         SlabFlags.Account | SlabFlags.ConsistencyChecks | SlabFlags.Poison | SlabFlags.RedZone, typeof(SlabCorruptionException) },
        { BadPointer.Interior,           SlabFlags.Account,                               typeof(ArgumentException) },
        { BadPointer.Interior,           SlabFlags.Account | SlabFlags.ConsistencyChecks, typeof(ArgumentException) },
        { BadPointer.NativeMemory,       SlabFlags.Account,                               typeof(ArgumentException) },
        { BadPointer.NativeMemory,       SlabFlags.Account | SlabFlags.ConsistencyChecks, typeof(ArgumentException) },
        { BadPointer.OtherCacheObject,   SlabFlags.Account,                               typeof(ArgumentException) },
        { BadPointer.PagesBlock,         SlabFlags.Account,                               typeof(ArgumentException) },
        { BadPointer.KmallocLargeObject, SlabFlags.Account,                               typeof(ArgumentException) },
    };

    [Theory]
    [MemberData(nameof(SlabCacheRows))]
    public void SlabCache_Free_of_a_bad_pointer_throws_and_every_counter_is_exact(BadPointer kind, SlabFlags flags, Type expected)
    {
        MemCgroup cg = TestCgroups.Fresh("rel-free");
        using var cache = SlabCache.Create($"rel-free-{Guid.NewGuid():N}", 64, flags);
        using var other = SlabCache.Create($"rel-other-{Guid.NewGuid():N}", 64, SlabFlags.Account);
        void* live;
        using (cg.Enter()) live = cache.Alloc();
        using var bad = new BadPointerSource(kind, cache, other, cg);
        TestCgroups.DrainThisThread();
        Snapshot before = Snapshot.Of(cache, cg);

        Exception error = Assert.Throws(expected, () => cache.Free(bad.Pointer));

        Assert.Contains(cache.Name, error.Message);
        TestCgroups.DrainThisThread();
        Assert.Equal(before, Snapshot.Of(cache, cg));
        cache.Free(live);
        bad.Release();
        TestCgroups.DrainThisThread();
        Assert.Equal(0, cg.Usage);
        TestCgroups.RemoveTree(cg);
    }

    // pointer, exception expected
    public static TheoryData<BadPointer, Type> KmallocRows => new()
    {
        { BadPointer.Interior,          typeof(ArgumentException) },   // 8 bytes into a page-backed kmalloc object
        { BadPointer.NativeMemory,      typeof(ArgumentException) },
        { BadPointer.PagesBlock,        typeof(ArgumentException) },
        { BadPointer.SecondFree,        typeof(ArgumentException) },   // a page-backed kmalloc object freed twice
        { BadPointer.SmallKmallocSecondFree, typeof(SlabCorruptionException) },   // a 64-byte kmalloc-cg object freed twice
    };

    [Theory]
    [MemberData(nameof(KmallocRows))]
    public void Kmalloc_Free_of_a_bad_pointer_throws_and_every_counter_is_exact(BadPointer kind, Type expected)
    {
        MemCgroup cg = TestCgroups.Fresh("rel-kfree");
        void* live;
        using (cg.Enter()) live = Kmalloc.Alloc(20_000, Gfp.KernelAccount);
        void* pointer;
        void* toRelease = null;
        bool native = false;
        switch (kind)
        {
            case BadPointer.Interior: pointer = (byte*)live + 8; break;
            case BadPointer.NativeMemory: pointer = toRelease = NativeMemory.Alloc(64); native = true; break;
            case BadPointer.PagesBlock: pointer = toRelease = Pages.Alloc(0); break;
            case BadPointer.SmallKmallocSecondFree:
                using (cg.Enter()) pointer = Kmalloc.Alloc(64, Gfp.KernelAccount);
                Kmalloc.Free(pointer);
                break;
            default:
                using (cg.Enter()) pointer = Kmalloc.Alloc(20_000, Gfp.KernelAccount);
                Kmalloc.Free(pointer);
                break;
        }
        TestCgroups.DrainThisThread();
        long usage = cg.Usage;
        MemoryStat stat = cg.Stat;
        long pages = Pages.InUse;

        Exception error = Assert.Throws(expected, () => Kmalloc.Free(pointer));

        Assert.Contains($"0x{(nuint)pointer:x}", error.Message);
        TestCgroups.DrainThisThread();
        Assert.Equal(usage, cg.Usage);
        Assert.Equal(stat, cg.Stat);
        Assert.Equal(pages, Pages.InUse);
        Kmalloc.Free(live);
        if (native) NativeMemory.Free(toRelease);
        else if (toRelease != null) Pages.Free(toRelease);
        TestCgroups.DrainThisThread();
        Assert.Equal(0, cg.Usage);
        TestCgroups.RemoveTree(cg);
    }

    [Fact]
    public void Kmalloc_Free_of_null_is_a_no_op_for_every_counter()
    {
        MemCgroup cg = TestCgroups.Fresh("rel-kfree-null");
        long pages = Pages.InUse;
        using (cg.Enter()) Kmalloc.Free(null);
        TestCgroups.DrainThisThread();
        Assert.Equal(0, cg.Usage);
        Assert.Equal(new MemoryStat(0, 0, 0, 0, 0, 0), cg.Stat);
        Assert.Equal(pages, Pages.InUse);
        TestCgroups.RemoveTree(cg);
    }

    private readonly record struct Snapshot(long Live, long Usage, MemoryStat Stat, long Pages)
    {
        public static Snapshot Of(SlabCache cache, MemCgroup cg) => new(cache.LiveObjects, cg.Usage, cg.Stat, KmemGen.Pages.InUse);
    }

    /// <summary>Makes the bad pointer of a row and gives back whatever it took.</summary>
    private sealed class BadPointerSource : IDisposable
    {
        private readonly BadPointer _kind;
        private readonly SlabCache _other;
        private void* _taken;
        private bool _released;

        public BadPointerSource(BadPointer kind, SlabCache cache, SlabCache other, MemCgroup cg)
        {
            _kind = kind;
            _other = other;
            using (cg.Enter())
            {
                switch (kind)
                {
                    case BadPointer.SecondFree:
                        Pointer = cache.Alloc();
                        cache.Free(Pointer);
                        break;
                    case BadPointer.SecondFreeOlderSlab:
                    case BadPointer.SecondFreeAfterRemote:
                    case BadPointer.SecondFreeAfterRemoteRemembered:
                    case BadPointer.InteriorOfRememberedSlab:
                        // A whole slab and one more: the first slab is full (on this thread's full list)
                        // when its first object is freed, here (a local free) or on another thread (a push
                        // onto its remote list).
                        _rest = new nint[cache.ObjectsPerSlab];
                        Pointer = cache.Alloc();
                        for (int i = 0; i < _rest.Length; i++) _rest[i] = (nint)cache.Alloc();
                        void* first = Pointer;
                        if (kind is BadPointer.SecondFreeAfterRemoteRemembered or BadPointer.InteriorOfRememberedSlab)
                        {
                            // A local free into the first slab makes it the one this thread's next frees
                            // are checked against first (the range check of the inlined free's miss).
                            cache.Free((void*)_rest[0]);
                            _rest[0] = 0;
                        }
                        if (kind == BadPointer.InteriorOfRememberedSlab)
                        {
                            Pointer = (byte*)_rest[1] + 8;
                            _rest[0] = (nint)first;   // still live: freed on release with the rest
                        }
                        else if (kind == BadPointer.SecondFreeOlderSlab)
                        {
                            cache.Free(first);
                        }
                        else
                        {
                            TestCgroups.OnNewThread(() => cache.Free(first));
                            ThreadExits.Reap();   // the refund sat in the exited thread's stock
                        }
                        break;
                    case BadPointer.Interior:
                        _taken = cache.Alloc();
                        Pointer = (byte*)_taken + 8;
                        break;
                    case BadPointer.NativeMemory: Pointer = _taken = NativeMemory.Alloc(64); break;
                    case BadPointer.OtherCacheObject: Pointer = _taken = other.Alloc(); break;
                    case BadPointer.PagesBlock: Pointer = _taken = Pages.Alloc(0); break;
                    case BadPointer.KmallocLargeObject: Pointer = _taken = Kmalloc.Alloc(20_000, Gfp.KernelAccount); break;
                }
                _cache = cache;
            }
        }

        private readonly SlabCache _cache;
        private nint[]? _rest;
        public void* Pointer { get; }

        public void Release()
        {
            if (_rest != null)
            {
                foreach (nint p in _rest)
                    if (p != 0) _cache.Free((void*)p);
                _rest = null;
            }
            if (_released || _taken == null) return;
            _released = true;
            switch (_kind)
            {
                case BadPointer.Interior: _cache.Free(_taken); break;
                case BadPointer.NativeMemory: NativeMemory.Free(_taken); break;
                case BadPointer.OtherCacheObject: _other.Free(_taken); break;
                case BadPointer.PagesBlock: Pages.Free(_taken); break;
                case BadPointer.KmallocLargeObject: Kmalloc.Free(_taken); break;
            }
        }

        public void Dispose() => Release();
    }
}
