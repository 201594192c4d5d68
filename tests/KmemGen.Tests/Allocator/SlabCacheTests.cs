using KmemGen.Internal;

namespace KmemGen.Tests.Allocator;

public unsafe class SlabCacheTests
{
    [Theory]
    [InlineData(24, 0)]
    [InlineData(64, 0)]
    [InlineData(100, 64)]
    [InlineData(256, 256)]
    [InlineData(40, 4096)]
    public void Every_object_is_aligned_and_distinct(int size, int align)
    {
        using var cache = SlabCache.Create($"align-{size}-{align}", size, SlabFlags.None, align);
        int expectedAlign = Math.Max(align, 8);
        var seen = new HashSet<nint>();
        var objs = new List<nint>();
        for (int i = 0; i < cache.ObjectsPerSlab * 3 + 1; i++)
        {
            void* p = cache.Alloc();
            Assert.Equal(0, (long)(nint)p % expectedAlign);
            Assert.True(seen.Add((nint)p));
            new Span<byte>(p, size).Fill(0x5a);   // the whole object is usable
            objs.Add((nint)p);
        }
        foreach (nint p in objs) cache.Free((void*)p);
    }

    [Fact]
    public void Gfp_Zero_returns_zeroed_objects_even_after_reuse()
    {
        using var cache = SlabCache.Create("zero", 200);
        byte* p = (byte*)cache.Alloc();
        new Span<byte>(p, 200).Fill(0xff);
        cache.Free(p);
        byte* q = (byte*)cache.Alloc(Gfp.Zero);
        Assert.True(new Span<byte>(q, 200).IndexOfAnyExcept((byte)0) < 0);
        cache.Free(q);
    }

    [Fact]
    public void A_freed_object_is_reused_first()
    {
        using var cache = SlabCache.Create("reuse", 64);
        void* a = cache.Alloc();
        void* b = cache.Alloc();
        cache.Free(a);
        Assert.Equal((nint)a, (nint)cache.Alloc());
        cache.Free(a);
        cache.Free(b);
    }

    [Fact]
    public void Partial_slabs_are_reused_before_new_ones()
    {
        using var cache = SlabCache.Create("partial-reuse", 128);
        int n = cache.ObjectsPerSlab * 4;
        var objs = new nint[n];
        for (int i = 0; i < n; i++) objs[i] = (nint)cache.Alloc();
        long slabs = cache.SlabCount;
        for (int i = 0; i < n; i += 2) cache.Free((void*)objs[i]);   // every slab half empty
        for (int i = 0; i < n; i += 2) objs[i] = (nint)cache.Alloc();
        Assert.Equal(slabs, cache.SlabCount);
        foreach (nint p in objs) cache.Free((void*)p);
    }

    [Fact]
    public void Objects_freed_on_another_thread_come_back_and_the_slabs_empty()
    {
        using var cache = SlabCache.Create("cross-thread", 48);
        int n = cache.ObjectsPerSlab * 5 + 3;
        var objs = new nint[n];
        for (int i = 0; i < n; i++) objs[i] = (nint)cache.Alloc();
        long slabs = cache.SlabCount;
        ThreadExits.RunAndReap(() => { foreach (nint p in objs) cache.Free((void*)p); });
        Assert.Equal(0, cache.LiveObjects);
        // The freeing thread adopted the full slabs; when it exited they went to the node list, and the
        // objects freed into this thread's current slab sit on its remote list: allocating as many
        // again finds them all without a new slab.
        var again = new HashSet<nint>();
        for (int i = 0; i < n; i++) again.Add((nint)cache.Alloc());
        Assert.Equal(n, again.Count);
        Assert.Equal(slabs, cache.SlabCount);      // no new slab: every remote free came back
        foreach (nint p in again) cache.Free((void*)p);
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
    }

    [Fact]
    public void A_thread_that_allocates_here_adopts_the_full_slabs_it_frees_into_and_allocates_from_them()
    {
        using var cache = SlabCache.Create("adopt", 64);
        int n = cache.ObjectsPerSlab * 4;
        // Allocated on a thread that then exits: its four slabs are full and owned by nobody.
        nint[] objs = AllocOnExitingThread(cache, n);
        long slabs = cache.SlabCount;
        var mine = new HashSet<nint>();
        ThreadExits.RunAndReap(() =>
        {
            // This thread has a current slab of its own: the full slabs it frees into become its own
            // (one CAS each, no lock, no node list), and its allocations reuse them.
            nint first = (nint)cache.Alloc();
            slabs = cache.SlabCount;
            foreach (nint p in objs) cache.Free((void*)p);
            Assert.Equal(0, cache.PartialCount);
            for (int i = 0; i < n - cache.ObjectsPerSlab; i++) mine.Add((nint)cache.Alloc());
            Assert.Equal(slabs, cache.SlabCount);
            Assert.Equal(0, cache.PartialCount);
            foreach (nint p in mine) cache.Free((void*)p);
            cache.Free((void*)first);
        });
        // Its current slab's other objects first, then the adopted slabs'.
        Assert.Equal(2 * cache.ObjectsPerSlab + 1, mine.Count(p => objs.Contains(p)));
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void A_full_slab_stays_with_its_thread_so_that_thread_frees_into_it_with_plain_stores()
    {
        using var cache = SlabCache.Create("own-full", 64);
        int perSlab = cache.ObjectsPerSlab;
        var objs = new nint[perSlab * 3];
        for (int i = 0; i < objs.Length; i++) objs[i] = (nint)cache.Alloc();
        uint me = ThreadContext.Current.Id;
        PageDesc* first = PageAllocator.LookupHead((void*)objs[0]);
        PageDesc* second = PageAllocator.LookupHead((void*)objs[perSlab]);
        // The two slabs that ran dry are still this thread's, frozen, on its full list; the state word
        // never changed, so running dry cost no atomic.
        Assert.Equal(SlabList.Full, first->OnPartial);
        Assert.Equal(me, first->Owner);
        Assert.Equal(long.MinValue, Volatile.Read(ref first->Remote));
        // Its own free moves the slab to its partial list: no CAS, no lock, no node list.
        cache.Free((void*)objs[perSlab + 5]);
        Assert.Equal(SlabList.Thread, second->OnPartial);
        Assert.Equal(long.MinValue, Volatile.Read(ref second->Remote));
        Assert.Equal(0, cache.PartialCount);
        Assert.Equal(perSlab - 1, second->InUse);
        foreach (nint p in objs)
        {
            if (p != objs[perSlab + 5]) cache.Free((void*)p);
        }
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Objects_other_threads_free_into_full_slabs_go_back_to_the_owner_when_it_next_needs_a_slab()
    {
        using var cache = SlabCache.Create("full-pushed", 64);
        int perSlab = cache.ObjectsPerSlab;
        const int Slabs = 12;
        var objs = new nint[perSlab * Slabs];
        for (int i = 0; i < objs.Length; i++) objs[i] = (nint)cache.Alloc();
        long slabs = cache.SlabCount;
        // Another thread frees every object of the first ten (full) slabs: pushes onto their remote lists.
        ThreadExits.RunAndReap(() =>
        {
            for (int i = 0; i < perSlab * 10; i++) cache.Free((void*)objs[i]);
        });
        PageDesc* first = PageAllocator.LookupHead((void*)objs[0]);
        Assert.Equal(SlabList.Full, first->OnPartial);
        Assert.Equal(ThreadContext.Current.Id, first->Owner);
        // This thread's allocations take them back, a look at a time, before any new slab or the node list.
        var again = new HashSet<nint>();
        for (int i = 0; i < perSlab * 10; i++) again.Add((nint)cache.Alloc());
        Assert.Equal(slabs, cache.SlabCount);
        Assert.Equal(0, cache.PartialCount);
        Assert.Equal(objs.Take(perSlab * 10).ToHashSet(), again);
        foreach (nint p in again) cache.Free((void*)p);
        for (int i = perSlab * 10; i < objs.Length; i++) cache.Free((void*)objs[i]);
        Assert.Equal(0, cache.LiveObjects);
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
    }

    [Fact]
    public void A_thread_that_exits_lets_its_full_slabs_go_with_what_others_pushed_into_them()
    {
        using var cache = SlabCache.Create("full-exit", 64);
        int perSlab = cache.ObjectsPerSlab;
        nint[] objs = AllocOnExitingThread(cache, perSlab * 6);
        // Its full slabs are owned by nobody now: frees adopt them, nothing waits for the dead owner.
        for (int slab = 0; slab < 6; slab++)
        {
            PageDesc* s = PageAllocator.LookupHead((void*)objs[slab * perSlab]);
            Assert.Equal(0u, s->Owner);
            Assert.Equal(SlabList.None, s->OnPartial);
        }
        foreach (nint p in objs) cache.Free((void*)p);
        Assert.Equal(0, cache.LiveObjects);
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
    }

    [Theory]
    [InlineData(32, 16)]    // 16 KiB slabs: 256 KiB is 16 of them
    [InlineData(256, 8)]    // 32 KiB slabs: 8
    public void A_thread_keeps_256_KiB_of_empty_slabs_and_gives_the_rest_back(int size, int kept)
    {
        using var cache = SlabCache.Create($"empty-budget-{size}", size);
        int n = cache.ObjectsPerSlab * (kept + 20);
        var objs = new nint[n];
        for (int i = 0; i < n; i++) objs[i] = (nint)cache.Alloc();
        long slabsAtPeak = cache.SlabCount;
        Assert.True(slabsAtPeak >= kept + 20, $"{slabsAtPeak} slabs for {n} objects");
        for (int i = 0; i < n; i++) cache.Free((void*)objs[i]);

        // The current slab stays the thread's; of the emptied ones, the budget's worth stays on its list.
        Assert.Equal(1 + kept, cache.SlabCount);
        // They are reused as they are: allocating the same objects again takes no new slab.
        for (int i = 0; i < cache.ObjectsPerSlab * (kept + 1); i++) objs[i] = (nint)cache.Alloc();
        Assert.Equal(1 + kept, cache.SlabCount);
        for (int i = 0; i < cache.ObjectsPerSlab * (kept + 1); i++) cache.Free((void*)objs[i]);
    }

    private static nint[] AllocOnExitingThread(SlabCache cache, int n)
    {
        var objs = new nint[n];
        ThreadExits.RunAndReap(() =>
        {
            for (int i = 0; i < n; i++) objs[i] = (nint)cache.Alloc();
        });
        return objs;
    }

    [Fact]
    public void A_thread_that_only_frees_hands_the_slabs_it_adopts_to_the_node_list_in_batches()
    {
        using var cache = SlabCache.Create("consumer", 64);
        int perSlab = cache.ObjectsPerSlab;
        const int Slabs = 11;
        // Allocated on a thread that then exits: its slabs are full and owned by nobody.
        nint[] objs = AllocOnExitingThread(cache, perSlab * Slabs);
        long slabs = cache.SlabCount;
        var freed = new List<nint>();
        ThreadExits.RunAndReap(() =>
        {
            // A consumer: it never allocates here. It adopts the full slabs it frees into (its later frees
            // into them are plain stores), but nobody allocates from its list: past 8 slabs it hands them
            // all to the node list under one lock.
            for (int slab = 0; slab < 8; slab++) FreeFirst(slab);
            Assert.Equal(0, cache.PartialCount);
            FreeFirst(8);
            Assert.Equal(9, cache.PartialCount);
            FreeFirst(9);
            Assert.Equal(9, cache.PartialCount);
        });
        // Its thread is gone: the last one went to the node list too. An allocating thread takes them
        // from there instead of growing the cache (slab 11 is still full and on no list).
        Assert.Equal(10, cache.PartialCount);
        var again = new HashSet<nint>();
        for (int i = 0; i < freed.Count; i++) again.Add((nint)cache.Alloc());
        Assert.Equal(slabs, cache.SlabCount);
        Assert.Equal(freed.ToHashSet(), again);
        foreach (nint p in again) cache.Free((void*)p);
        foreach (nint p in objs.Except(freed)) cache.Free((void*)p);
        Assert.Equal(0, cache.LiveObjects);

        void FreeFirst(int slab)
        {
            cache.Free((void*)objs[slab * perSlab]);
            freed.Add(objs[slab * perSlab]);
        }
    }

    [Fact]
    public void A_thread_freeing_its_own_objects_in_any_order_keeps_hundreds_of_partial_slabs_local()
    {
        using var cache = SlabCache.Create("own-random", 64);
        int n = cache.ObjectsPerSlab * 300;
        var objs = new nint[n];
        for (int i = 0; i < n; i++) objs[i] = (nint)cache.Alloc();
        long slabs = cache.SlabCount;
        // Free every other object, in a shuffled order: 300 slabs become partially used, all owned by
        // this thread (more than the kernel's per-CPU partial limit would keep), none on the node list.
        var rng = new Random(3);
        int[] order = Enumerable.Range(0, n / 2).Select(i => 2 * i).OrderBy(_ => rng.Next()).ToArray();
        foreach (int i in order) cache.Free((void*)objs[i]);
        Assert.Equal(0, cache.PartialCount);
        Assert.Equal(n / 2, cache.LiveObjects);
        // The freed slots are reused before any new slab.
        var again = new HashSet<nint>();
        for (int i = 0; i < n / 2; i++) again.Add((nint)cache.Alloc());
        Assert.Equal(slabs, cache.SlabCount);
        Assert.Equal(order.Select(i => objs[i]).ToHashSet(), again);
        foreach (nint p in again) cache.Free((void*)p);
        for (int i = 1; i < n; i += 2) cache.Free((void*)objs[i]);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Partially_used_slabs_are_reused_oldest_first_so_frees_accumulate_in_the_newest()
    {
        using var cache = SlabCache.Create("partial-fifo", 64);
        int perSlab = cache.ObjectsPerSlab;
        var objs = new nint[perSlab * 4];
        for (int i = 0; i < objs.Length; i++) objs[i] = (nint)cache.Alloc();
        // Slabs A, B and C are full and on no list; D is the thread's exhausted current slab. One free
        // into A, then one into B: both join the thread's partial list, A first.
        nint a = objs[0], b = objs[perSlab];
        cache.Free((void*)a);
        cache.Free((void*)b);
        // The next refills take A (the oldest) and then B, not the slab that got a free object last.
        Assert.Equal(a, (nint)cache.Alloc());
        Assert.Equal(b, (nint)cache.Alloc());
        foreach (nint p in objs) cache.Free((void*)p);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void A_thread_reuses_its_own_emptied_slabs_without_the_node_list()
    {
        using var cache = SlabCache.Create("own-partial", 128);
        int n = cache.ObjectsPerSlab * 6;
        var objs = new nint[n];
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < n; i++) objs[i] = (nint)cache.Alloc();
            Assert.Equal(6, cache.SlabCount);
            foreach (nint p in objs) cache.Free((void*)p);
            // The emptied slabs stay on this thread's partial list, not the cache's.
            Assert.Equal(0, cache.PartialCount);
            Assert.Equal(6, cache.SlabCount);
        }
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
    }

    [Fact]
    public void A_run_of_frees_into_one_slab_still_rejects_a_pointer_inside_an_object()
    {
        using var cache = SlabCache.Create("run-check", 64);
        int n = cache.ObjectsPerSlab * 2;
        var objs = new nint[n];
        for (int i = 0; i < n; i++) objs[i] = (nint)cache.Alloc();
        cache.Free((void*)objs[0]);            // slab 1 (not current): adopted, remembered for the run
        var e = Assert.Throws<ArgumentException>(() => cache.Free((byte*)objs[1] + 8));
        Assert.Contains("not at the start of an object", e.Message);
        Assert.Equal(n - 1, cache.LiveObjects);
        for (int i = 1; i < n; i++) cache.Free((void*)objs[i]);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Frees_alternating_between_owned_slabs_find_each_slab_from_any_of_its_pages()
    {
        // 96-byte slots leave a tail after the last object, and each slab spans several pages: every
        // free below lands in another slab than the one before, so each one resolves its slab from the
        // page it is on (the head is the page index rounded down to the slab's size).
        using var cache = SlabCache.Create("alternate-slabs", 96);
        Assert.True(cache.Order > 0);
        int per = cache.ObjectsPerSlab;
        var objs = new nint[per * 3];
        for (int i = 0; i < objs.Length; i++) objs[i] = (nint)cache.Alloc();
        // The first two slabs are full and not current; free them alternately, leaving two objects each.
        for (int i = 2; i < per; i++)
        {
            cache.Free((void*)objs[i]);
            cache.Free((void*)objs[per + i]);
        }
        Assert.Equal(per + 4, cache.LiveObjects);
        // A pointer inside an object, and one in the slab's tail past its last object, are refused.
        var inside = Assert.Throws<ArgumentException>(() => cache.Free((byte*)objs[per + per - 1] + 8));
        Assert.Contains("not at the start of an object", inside.Message);
        byte* pastLast = (byte*)objs[0] + (nint)per * cache.SlotSize;
        Assert.Throws<ArgumentException>(() => cache.Free(pastLast));
        Assert.Equal(per + 4, cache.LiveObjects);
        // Each slab's last objects, freed alternately: the last free into each empties it.
        foreach (int i in new[] { 0, per, 1, per + 1 }) cache.Free((void*)objs[i]);
        Assert.Equal(per, cache.LiveObjects);
        for (int i = 2 * per; i < objs.Length; i++) cache.Free((void*)objs[i]);
        Assert.Equal(0, cache.LiveObjects);
        cache.Shrink();
        Assert.Equal(0, cache.PagesInUse);
    }

    [Fact]
    public void Frees_into_another_threads_slab_refuse_a_double_free_and_a_misplaced_pointer()
    {
        using var cache = SlabCache.Create("others-slab", 64);
        int per = cache.ObjectsPerSlab;
        var objs = new nint[per + 1];
        for (int i = 0; i < objs.Length; i++) objs[i] = (nint)cache.Alloc();   // the first slab is full, not current
        Exception? twice = null, inside = null;
        KmemGen.Tests.Memcg.TestCgroups.OnNewThread(() =>
        {
            cache.Free(cache.Alloc());                      // this thread has its own slab of the cache
            cache.Free((void*)objs[5]);                     // pushed onto the other thread's slab
            twice = Record.Exception(() => cache.Free((void*)objs[5]));
            inside = Record.Exception(() => cache.Free((byte*)objs[6] + 8));
            cache.Free((void*)objs[6]);
        });
        Assert.IsType<SlabCorruptionException>(twice);
        Assert.Contains("double free", twice!.Message);
        Assert.IsType<ArgumentException>(inside);
        Assert.Contains("not at the start of an object", inside!.Message);
        Assert.Equal(objs.Length - 2, cache.LiveObjects);
        for (int i = 0; i < objs.Length; i++) if (i is not (5 or 6)) cache.Free((void*)objs[i]);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void An_object_of_a_cache_with_larger_slabs_is_refused_from_any_of_its_pages()
    {
        using var small = SlabCache.Create("small-slabs", 16);
        using var large = SlabCache.Create("large-slabs", 2000);
        Assert.True(large.Order > small.Order);
        var mine = new nint[small.ObjectsPerSlab + 1];
        for (int i = 0; i < mine.Length; i++) mine[i] = (nint)small.Alloc();
        small.Free((void*)mine[1]);   // a free outside the current slab, to leave the fast range check behind
        var theirs = new nint[large.ObjectsPerSlab];
        for (int i = 0; i < theirs.Length; i++) theirs[i] = (nint)large.Alloc();
        foreach (nint p in theirs)
        {
            var e = Assert.Throws<ArgumentException>(() => small.Free((void*)p));
            Assert.Contains("large-slabs", e.Message);
        }
        Assert.Equal(theirs.Length, large.LiveObjects);
        Assert.Equal(mine.Length - 1, small.LiveObjects);
        foreach (nint p in theirs) large.Free((void*)p);
        for (int i = 0; i < mine.Length; i++) if (i != 1) small.Free((void*)mine[i]);
        Assert.Equal(0, small.LiveObjects);
    }

    [Fact]
    public void Remote_frees_are_collected_by_Shrink_once_the_freeing_thread_is_gone()
    {
        using var cache = SlabCache.Create("remote-partial", 200);
        int n = cache.ObjectsPerSlab * 4;
        var objs = new nint[n];
        for (int i = 0; i < n; i++) objs[i] = (nint)cache.Alloc();
        // Frees into this thread's current slab are lock-free pushes; the other slabs are adopted by the
        // freeing thread and go to the node list when it exits.
        ThreadExits.RunAndReap(() => { foreach (nint p in objs) cache.Free((void*)p); });
        Assert.Equal(0, cache.LiveObjects);
        cache.Shrink();
        Assert.Equal(0, cache.PagesInUse);
    }

    [Fact]
    public void Slabs_emptied_by_a_thread_that_exits_go_back_beyond_the_few_kept_empty()
    {
        using var cache = SlabCache.Create("remote-empty", 96);
        int n = cache.ObjectsPerSlab * 20;
        // The allocating thread exits first: its twenty slabs are full and owned by nobody.
        nint[] objs = AllocOnExitingThread(cache, n);
        Assert.Equal(20, cache.SlabCount);
        ThreadExits.RunAndReap(() => { foreach (nint p in objs) cache.Free((void*)p); });
        // No Shrink: at most MIN_PARTIAL (5) empty slabs are kept on the node list.
        Assert.InRange(cache.SlabCount, 0, 5);
    }

    [Fact]
    public void A_slab_emptied_by_a_thread_that_exited_is_reused_before_a_new_one()
    {
        using var cache = SlabCache.Create("remote-refreeze", 512);
        int per = cache.ObjectsPerSlab;
        var first = new nint[per];
        for (int i = 0; i < per; i++) first[i] = (nint)cache.Alloc();
        var second = new nint[per];
        for (int i = 0; i < per; i++) second[i] = (nint)cache.Alloc();   // slab 1 is now full and on no list
        ThreadExits.RunAndReap(() => { foreach (nint p in first) cache.Free((void*)p); });
        // Slab 2 runs out: the refill takes slab 1, which the exited thread emptied, from the node list.
        var again = new HashSet<nint>();
        for (int i = 0; i < per; i++) again.Add((nint)cache.Alloc());
        Assert.True(again.SetEquals(first));
        Assert.Equal(2, cache.SlabCount);
        foreach (nint p in again) cache.Free((void*)p);
        foreach (nint p in second) cache.Free((void*)p);
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
    }

    [Fact]
    public void Shrink_returns_empty_slabs_to_the_page_allocator()
    {
        using var cache = SlabCache.Create("shrink", 512);
        var objs = new List<nint>();
        for (int i = 0; i < cache.ObjectsPerSlab * 10; i++) objs.Add((nint)cache.Alloc());
        Assert.Equal(10L << cache.Order, cache.PagesInUse);
        foreach (nint p in objs) cache.Free((void*)p);
        Assert.True(cache.PagesInUse > 0);           // up to MIN_PARTIAL empty slabs are kept
        cache.Shrink();
        Assert.Equal(0, cache.PagesInUse);
    }

    [Fact]
    public void Dispose_with_live_objects_is_refused_and_changes_nothing()
    {
        var cache = SlabCache.Create("dispose-live", 32);
        void* p = cache.Alloc();
        var e = Assert.Throws<InvalidOperationException>(cache.Dispose);
        Assert.Contains("dispose-live", e.Message);
        Assert.Contains("1 live object", e.Message);
        void* q = cache.Alloc();          // still usable
        cache.Free(q);
        cache.Free(p);
        cache.Dispose();
        Assert.Equal(0, cache.PagesInUse);
        Assert.Throws<ObjectDisposedException>(() => cache.Alloc());
        cache.Dispose();                  // twice is fine
    }

    [Fact]
    public void A_pointer_from_elsewhere_is_rejected_naming_cache_and_address()
    {
        using var cache = SlabCache.Create("foreign-check", 64);
        using var other = SlabCache.Create("other-cache", 64);
        void* mine = cache.Alloc();
        void* theirs = other.Alloc();
        void* native = System.Runtime.InteropServices.NativeMemory.Alloc(64);
        try
        {
            var e1 = Assert.Throws<ArgumentException>(() => cache.Free(native));
            Assert.Contains("foreign-check", e1.Message);
            Assert.Contains($"0x{(nuint)native:x}", e1.Message);
            var e2 = Assert.Throws<ArgumentException>(() => cache.Free(theirs));
            Assert.Contains("other-cache", e2.Message);
            var e3 = Assert.Throws<ArgumentException>(() => cache.Free((byte*)mine + 8));
            Assert.Contains("not at the start of an object", e3.Message);
            var e4 = Assert.Throws<ArgumentException>(() => cache.Free((byte*)mine + 64 * 3 + 1));
            Assert.Contains("foreign-check", e4.Message);
            Assert.Equal(1, cache.LiveObjects);   // nothing changed
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(native);
            cache.Free(mine);
            other.Free(theirs);
        }
    }

    [Fact]
    public void Bad_creation_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SlabCache.Create("", 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlabCache.Create("zero-size", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlabCache.Create("huge", 5 << 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlabCache.Create("bad-align", 8, SlabFlags.None, 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlabCache.Create("bad-minobj", 8, SlabFlags.None, 0, 0));
    }

    [Fact]
    public void Free_of_null_is_a_no_op()
    {
        using var cache = SlabCache.Create("free-null", 16);
        cache.Free(null);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Bulk_allocation_fills_the_span_and_bulk_free_returns_everything()
    {
        using var cache = SlabCache.Create("bulk", 96);
        var objs = new IntPtr[cache.ObjectsPerSlab * 2 + 5];
        Assert.Equal(objs.Length, cache.AllocBulk(Gfp.Zero, objs));
        Assert.Equal(objs.Length, objs.Distinct().Count());
        Assert.All(objs, p => Assert.Equal(0, new Span<byte>((void*)p, 96).IndexOfAnyExcept((byte)0) + 1));
        Assert.Equal(objs.Length, cache.LiveObjects);
        cache.FreeBulk(objs);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Bulk_free_with_one_bad_pointer_frees_nothing()
    {
        using var cache = SlabCache.Create("bulk-bad", 32);
        var objs = new IntPtr[4];
        cache.AllocBulk(Gfp.Kernel, objs);
        IntPtr good = objs[3];
        objs[3] = objs[2] + 1;
        Assert.Throws<ArgumentException>(() => cache.FreeBulk(objs));
        Assert.Equal(4, cache.LiveObjects);
        objs[3] = good;
        cache.FreeBulk(objs);
    }

    [Fact]
    public void Account_cannot_be_switched_on_for_a_kmalloc_cache()
    {
        SlabCache kmalloc64 = Kmalloc.CacheFor(64, Gfp.Kernel);
        var e = Assert.Throws<InvalidOperationException>(() => kmalloc64.Account = true);
        Assert.Contains("EINVAL", e.Message);
        Assert.False(kmalloc64.Account);
    }

    [Fact]
    public void Account_cannot_be_switched_off_while_objects_live()
    {
        using var cache = SlabCache.Create("account-busy", 64, SlabFlags.Account);
        Assert.True(cache.Account);
        void* p = cache.Alloc();
        var e = Assert.Throws<InvalidOperationException>(() => cache.Account = false);
        Assert.Contains("EBUSY", e.Message);
        Assert.True(cache.Account);
        cache.Free(p);
        cache.Account = false;
        Assert.False(cache.Account);
    }

    [Fact]
    public void Account_can_be_switched_on_while_objects_live()
    {
        using var cache = SlabCache.Create("account-late", 64);
        void* before = cache.Alloc();
        cache.Account = true;
        void* after = cache.Alloc();
        Assert.True(cache.Account);
        cache.Free(before);
        cache.Free(after);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Cache_properties_describe_the_layout()
    {
        using var cache = SlabCache.Create("props", 100, SlabFlags.Reclaimable, 0, 12);
        Assert.Equal("props", cache.Name);
        Assert.Equal(100, cache.ObjectSize);
        Assert.Equal(104, cache.SlotSize);
        Assert.Equal(SlabLayout.Compute(104, 0, SlabFlags.None, 12).Objects, cache.ObjectsPerSlab);
    }
}
