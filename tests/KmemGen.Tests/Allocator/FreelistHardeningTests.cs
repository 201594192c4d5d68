namespace KmemGen.Tests.Allocator;

/// <summary>
/// Hardened free pointers (CONFIG_SLAB_FREELIST_HARDENED, switched on for this test project) and the
/// double free caught at the head of a free list, both without debug flags.
/// </summary>
public unsafe class FreelistHardeningTests
{
    private static int FreePointerOffset(SlabCache cache) => cache.ObjectSize / 2 & ~7;

    [Fact]
    public void Hardening_follows_its_switch()
    {
        // The test project turns it on for every test (runtimeconfig.template.json), so the whole suite
        // runs over hardened free lists; the variable, when set, decides instead.
        Assert.True(AppContext.TryGetSwitch(SlabCache.FreelistHardenedSwitch, out bool on) && on);
        string? variable = Environment.GetEnvironmentVariable("KMEMGEN_SLAB_FREELIST_HARDENED");
        Assert.Equal(variable is null || variable == "1", SlabCache.FreelistHardened);
    }

    [Fact]
    public void A_free_pointer_is_not_stored_as_the_plain_address()
    {
        using var cache = SlabCache.Create("fp-obfuscated", 64);
        byte* a = (byte*)cache.Alloc();
        byte* b = (byte*)cache.Alloc();
        cache.Free(b);
        cache.Free(a);   // a heads the list, and its free pointer leads to b
        ulong stored = *(ulong*)(a + FreePointerOffset(cache));
        Assert.NotEqual((ulong)b, stored);
        Assert.Equal((nint)a, (nint)cache.Alloc());
        Assert.Equal((nint)b, (nint)cache.Alloc());   // and it still decodes to b
        cache.Free(a);
        cache.Free(b);
    }

    [Theory]
    [InlineData(64, SlabFlags.None)]
    [InlineData(256, SlabFlags.Account)]
    public void A_write_after_free_over_the_free_pointer_is_reported_by_the_next_allocation(int size, SlabFlags flags)
    {
        MemCgroup cg = Memcg.TestCgroups.Fresh("fp-corrupt");
        using var cache = SlabCache.Create($"fp-corrupt-{size}", size, flags);
        using (cg.Enter())
        {
            byte* a = (byte*)cache.Alloc();
            byte* b = (byte*)cache.Alloc();
            cache.Free(b);
            cache.Free(a);
            new Span<byte>(a, size).Fill(0x41);   // use after free: the whole object, free pointer included
            long live = cache.LiveObjects;

            var e = Assert.Throws<SlabCorruptionException>(() => cache.Alloc());
            Assert.Equal(cache.Name, e.CacheName);
            Assert.Equal((nint)a, e.Address);
            Assert.StartsWith("free pointer corrupted: it decodes to 0x", e.Finding);
            Assert.Contains("outside the slab", e.Finding);
            Assert.Equal(live, cache.LiveObjects);

            // The damaged list is cut: later allocations work and never hand out the damaged object.
            var next = new HashSet<nint>();
            for (int i = 0; i < cache.ObjectsPerSlab * 2; i++) next.Add((nint)cache.Alloc());
            Assert.DoesNotContain((nint)a, next);
            foreach (nint p in next) cache.Free((void*)p);
        }
        Memcg.TestCgroups.DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void An_overflow_into_the_next_free_object_is_reported_and_the_overflowing_object_stays_usable()
    {
        using var cache = SlabCache.Create("fp-overflow", 64);
        byte* a = (byte*)cache.Alloc();
        byte* b = (byte*)cache.Alloc();
        byte* c = (byte*)cache.Alloc();
        cache.Free(c);
        cache.Free(b);   // b heads the list; a sits right before it
        Assert.Equal((nint)(a + 64), (nint)b);
        new Span<byte>(a, 128).Fill(0x5a);   // a overflows by a whole object, over b's free pointer
        var e = Assert.Throws<SlabCorruptionException>(() => cache.Alloc());
        Assert.Equal((nint)b, e.Address);
        cache.Free(a);
    }

    [Theory]
    [InlineData(SlabFlags.None)]
    [InlineData(SlabFlags.Account)]
    public void A_double_free_of_the_head_object_is_reported_with_nothing_changed(SlabFlags flags)
    {
        MemCgroup cg = Memcg.TestCgroups.Fresh("double-free");
        using var cache = SlabCache.Create("double-free", 64, flags);
        void* keep, p;
        using (cg.Enter())
        {
            keep = cache.Alloc();
            p = cache.Alloc();
        }
        cache.Free(p);
        Memcg.TestCgroups.DrainThisThread();
        long usage = cg.Usage, live = cache.LiveObjects;

        var e = Assert.Throws<SlabCorruptionException>(() => cache.Free(p));
        Assert.Equal($"slab cache 'double-free': object 0x{(nuint)p:x}: double free: the object is already free (it is the first object of its slab's free list)", e.Message);
        Memcg.TestCgroups.DrainThisThread();
        Assert.Equal(usage, cg.Usage);
        Assert.Equal(live, cache.LiveObjects);
        // The list is intact: the object comes back once, then a different one.
        void* again = cache.Alloc();
        void* other = cache.Alloc();
        Assert.Equal((nint)p, (nint)again);
        Assert.NotEqual((nint)again, (nint)other);
        cache.Free(again);
        cache.Free(other);
        cache.Free(keep);
        Memcg.TestCgroups.DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void A_double_free_from_the_thread_that_took_the_slab_over_is_reported()
    {
        using var cache = SlabCache.Create("double-free-remote", 64);
        int per = cache.ObjectsPerSlab;
        var objs = new nint[per + 1];
        for (int i = 0; i < objs.Length; i++) objs[i] = (nint)cache.Alloc();
        Exception? second = null;
        Memcg.TestCgroups.OnNewThread(() =>
        {
            cache.Free((void*)objs[0]);   // adopts the full first slab: objs[0] heads its list
            second = Record.Exception(() => cache.Free((void*)objs[0]));
        });
        var e = Assert.IsType<SlabCorruptionException>(second);
        Assert.Contains("double free", e.Finding);
        Assert.Equal(per, cache.LiveObjects);
        for (int i = 1; i < objs.Length; i++) cache.Free((void*)objs[i]);
        Assert.Equal(0, cache.LiveObjects);
    }
}
