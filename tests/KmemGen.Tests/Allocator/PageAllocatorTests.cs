using KmemGen.Internal;

namespace KmemGen.Tests.Allocator;

[Collection(GlobalPagesCollection.Name)]
public unsafe class PageAllocatorTests
{
    /// <summary>
    /// Threads of earlier tests that have died hand their cached slabs back from a finalizer, which can
    /// free pages. Let those run before any test takes its "before" page count.
    /// </summary>
    public PageAllocatorTests()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Fact]
    public void Every_order_allocates_aligned_blocks_and_counts_its_pages()
    {
        long before = Pages.InUse;
        var blocks = new List<nint>();
        for (int order = 0; order <= Pages.MaxOrder; order++)
        {
            byte* p = (byte*)Pages.Alloc(order, Gfp.Zero);
            Assert.Equal(0, (long)(nint)p % (4096L << order));   // buddy blocks are naturally aligned
            Assert.True(new Span<byte>(p, 4096 << order).IndexOfAnyExcept((byte)0) < 0);
            blocks.Add((nint)p);
        }
        Assert.Equal(before + (1 << (Pages.MaxOrder + 1)) - 1, Pages.InUse);
        foreach (nint p in blocks) Pages.Free((void*)p);
        Assert.Equal(before, Pages.InUse);
    }

    [Fact]
    public void Split_blocks_merge_back_and_an_empty_arena_goes_back_to_the_OS()
    {
        PageAllocator.ReleaseSpareArena();
        long before = Pages.InUse;
        int arenas = PageAllocator.ArenaCount;
        // Use up every free page, one at a time, until a fresh arena A has to be mapped.
        var elsewhere = new List<nint>();
        byte* first;
        while (true)
        {
            first = (byte*)Pages.Alloc(0);
            if (PageAllocator.ArenaCount > arenas) break;
            elsewhere.Add((nint)first);
        }
        nint arenaA = (nint)Internal.Arena.BaseOf(first);
        // Split A down to single pages: every page of it is handed out.
        var inA = new List<nint>();
        for (int i = 1; i < Internal.Arena.PagesPerArena - Internal.Arena.MetaPages; i++)
        {
            byte* p = (byte*)Pages.Alloc(0);
            Assert.Equal(arenaA, (nint)Internal.Arena.BaseOf(p));
            inA.Add((nint)p);
        }
        Assert.Equal(arenas + 1, PageAllocator.ArenaCount);
        // Free all but the first page: the buddies merge back up to an order-10 block, so a 4 MiB
        // request is served from A without a new arena.
        foreach (nint p in inA) Pages.Free((void*)p);
        byte* big = (byte*)Pages.Alloc(10);
        Assert.Equal(arenaA, (nint)Internal.Arena.BaseOf(big));
        Assert.Equal(arenas + 1, PageAllocator.ArenaCount);
        Pages.Free(big);
        // The last page of A goes: A stays mapped as the one spare arena, and goes back to the OS when
        // the spare is released (another arena emptying while A is the spare would go back at once).
        Pages.Free(first);
        Assert.Equal(arenas + 1, PageAllocator.ArenaCount);
        PageAllocator.ReleaseSpareArena();
        Assert.Equal(arenas, PageAllocator.ArenaCount);
        foreach (nint p in elsewhere) Pages.Free((void*)p);
        Assert.Equal(before, Pages.InUse);
    }

    [Fact]
    public void Pages_Free_rejects_what_it_did_not_hand_out()
    {
        byte* p = (byte*)Pages.Alloc(1);
        try
        {
            Assert.Throws<ArgumentException>(() => Pages.Free(p + 4096));
            void* native = System.Runtime.InteropServices.NativeMemory.Alloc(16);
            Assert.Throws<ArgumentException>(() => Pages.Free(native));
            System.Runtime.InteropServices.NativeMemory.Free(native);
            Assert.Throws<ArgumentOutOfRangeException>(() => Pages.Alloc(11));
            Assert.Throws<ArgumentOutOfRangeException>(() => Pages.Alloc(-1));
        }
        finally
        {
            Pages.Free(p);
        }
        Pages.Free(null);
    }

    [Fact]
    public void Two_threads_doing_a_million_random_ops_give_every_page_back()
    {
        long before = Pages.InUse;
        using var cache = SlabCache.Create("stress", 72);
        // Every live object carries a token (at offset 8, clear of the free pointer at 32): an object
        // handed out twice, or corrupted by the free lists, shows up as a wrong token on free.
        var handoff = new System.Collections.Concurrent.ConcurrentQueue<(nint Ptr, long Token)>();
        long corrupt = 0;
        void Worker(int seed)
        {
            var rng = new Random(seed);
            var held = new List<(nint Ptr, long Token)>();
            long next = (long)seed << 40;
            void Release((nint Ptr, long Token) o)
            {
                if (*(long*)((byte*)o.Ptr + 8) != o.Token) Interlocked.Increment(ref corrupt);
                cache.Free((void*)o.Ptr);
            }
            for (int op = 0; op < 500_000; op++)
            {
                int r = rng.Next(100);
                if (r < 50 || held.Count == 0)
                {
                    byte* p = (byte*)cache.Alloc();
                    *(long*)(p + 8) = ++next;
                    held.Add(((nint)p, next));
                }
                else if (r < 85)
                {
                    int i = rng.Next(held.Count);
                    Release(held[i]);
                    held[i] = held[^1];
                    held.RemoveAt(held.Count - 1);
                }
                else if (r < 93)
                {
                    int i = rng.Next(held.Count);  // give one to the other thread: a remote free later
                    handoff.Enqueue(held[i]);
                    held[i] = held[^1];
                    held.RemoveAt(held.Count - 1);
                }
                else if (handoff.TryDequeue(out var q))
                {
                    Release(q);
                }
            }
            foreach (var o in held) Release(o);
            cache.Shrink();   // let go of this thread's cpu slab
        }
        var t1 = new Thread(() => Worker(1));
        var t2 = new Thread(() => Worker(2));
        t1.Start(); t2.Start();
        t1.Join(); t2.Join();
        while (handoff.TryDequeue(out var q))
        {
            Assert.Equal(q.Token, *(long*)((byte*)q.Ptr + 8));
            cache.Free((void*)q.Ptr);
        }
        Assert.Equal(0, Interlocked.Read(ref corrupt));
        Assert.Equal(0, cache.LiveObjects);
        cache.Shrink();
        Assert.Equal(0, cache.PagesInUse);
        cache.Dispose();
        Assert.Equal(before, Pages.InUse);
    }

    [Fact]
    public void A_dead_threads_cached_objects_come_back()
    {
        using var cache = SlabCache.Create("thread-exit", 40);
        var t = new Thread(() =>
        {
            var objs = new List<nint>();
            for (int i = 0; i < cache.ObjectsPerSlab * 3; i++) objs.Add((nint)cache.Alloc());
            foreach (nint p in objs) cache.Free((void*)p);   // the last slab stays frozen for this thread
        });
        t.Start();
        t.Join();
        t = null!;
        cache.Shrink();
        for (int i = 0; i < 50 && cache.PagesInUse != 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            cache.Shrink();
        }
        Assert.Equal(0, cache.PagesInUse);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Dispose_takes_back_slabs_frozen_by_other_live_threads()
    {
        long before = Pages.InUse;
        var cache = SlabCache.Create("dispose-frozen", 64);
        using var ready = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        var t = new Thread(() =>
        {
            void* p = cache.Alloc();
            cache.Free(p);
            ready.Set();
            done.Wait();
        });
        t.Start();
        ready.Wait();
        Assert.True(cache.PagesInUse > 0);
        cache.Dispose();
        Assert.Equal(0, cache.PagesInUse);
        done.Set();
        t.Join();
        Assert.Equal(before, Pages.InUse);
    }

    [Fact]
    public void A_descriptors_cache_and_owner_read_as_one_key()
    {
        PageDesc d = default;
        d.CacheId = 0x1234;
        d.Owner = 0xABCD_0001;
        Assert.Equal(PageDesc.SlabKey(0x1234, 0xABCD_0001), PageDesc.SlabKeyOf(&d));
        d.Owner = 0;
        Assert.NotEqual(PageDesc.SlabKey(0x1234, 0xABCD_0001), PageDesc.SlabKeyOf(&d));
        d.Owner = 0xABCD_0001;
        d.CacheId = 0x1235;
        Assert.NotEqual(PageDesc.SlabKey(0x1234, 0xABCD_0001), PageDesc.SlabKeyOf(&d));
    }
}
