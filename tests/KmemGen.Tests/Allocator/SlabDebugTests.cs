using KmemGen.Internal;

namespace KmemGen.Tests.Allocator;

public unsafe class SlabDebugTests
{
    [Fact]
    public void Poison_detects_a_write_after_free_on_the_next_allocation()
    {
        using var cache = SlabCache.Create("poison", 64, SlabFlags.Poison);
        byte* p = (byte*)cache.Alloc();
        cache.Free(p);
        p[10] = 0x42;                                   // use after free
        var e = Assert.Throws<SlabCorruptionException>(() => cache.Alloc());
        Assert.Equal("poison", e.CacheName);
        Assert.Equal((nint)p, e.Address);
        Assert.Contains("written after free", e.Message);
        Assert.Contains("offset 10", e.Message);
        Assert.Contains($"0x{(nuint)p:x}", e.Message);
        // The poison was repaired: the object is handed out normally next time.
        void* q = cache.Alloc();
        Assert.Equal((nint)p, (nint)q);
        cache.Free(q);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Fact]
    public void Freed_objects_are_filled_with_POISON_FREE()
    {
        using var cache = SlabCache.Create("poison-fill", 32, SlabFlags.Poison);
        byte* p = (byte*)cache.Alloc();
        cache.Free(p);
        Assert.Equal(31, new Span<byte>(p, 31).Count((byte)0x6b));
        Assert.Equal(0xa5, p[31]);
    }

    [Fact]
    public void Red_zone_detects_an_overflow_when_the_object_is_freed()
    {
        using var cache = SlabCache.Create("redzone", 20, SlabFlags.RedZone);
        byte* p = (byte*)cache.Alloc();
        p[20] = 0;                                      // one byte past the end
        var e = Assert.Throws<SlabCorruptionException>(() => cache.Free(p));
        Assert.Contains("right red zone", e.Message);
        Assert.Contains("offset 20", e.Message);
        Assert.Equal((nint)p, e.Address);
        Assert.Equal(0, cache.LiveObjects);             // the free completed after the report
    }

    [Fact]
    public void Red_zone_detects_an_underflow()
    {
        using var cache = SlabCache.Create("redzone-left", 24, SlabFlags.RedZone);
        byte* p = (byte*)cache.Alloc();
        p[-1] = 0;
        var e = Assert.Throws<SlabCorruptionException>(() => cache.Free(p));
        Assert.Contains("left red zone", e.Message);
    }

    [Fact]
    public void Consistency_checks_detect_a_double_free_at_once()
    {
        using var cache = SlabCache.Create("double-free", 48, SlabFlags.ConsistencyChecks);
        void* p = cache.Alloc();
        void* other = cache.Alloc();
        cache.Free(p);
        var e = Assert.Throws<SlabCorruptionException>(() => cache.Free(p));
        Assert.Contains("double free", e.Message);
        Assert.Equal(1, cache.LiveObjects);             // nothing changed: `other` still lives
        // The free list is intact: two allocations give two distinct objects.
        void* a = cache.Alloc();
        void* b = cache.Alloc();
        Assert.NotEqual((nint)a, (nint)b);
        cache.Free(a);
        cache.Free(b);
        cache.Free(other);
    }

    [Fact]
    public void Debug_caches_still_reject_foreign_and_misaligned_pointers()
    {
        using var cache = SlabCache.Create("debug-foreign", 64, SlabFlags.ConsistencyChecks | SlabFlags.RedZone);
        byte* p = (byte*)cache.Alloc();
        Assert.Throws<ArgumentException>(() => cache.Free(p + 1));
        void* native = System.Runtime.InteropServices.NativeMemory.Alloc(8);
        Assert.Throws<ArgumentException>(() => cache.Free(native));
        System.Runtime.InteropServices.NativeMemory.Free(native);
        cache.Free(p);
    }

    [Fact]
    public void Debug_objects_stay_aligned_and_usable()
    {
        using var cache = SlabCache.Create("debug-align", 100, SlabFlags.Poison | SlabFlags.RedZone | SlabFlags.ConsistencyChecks, 64);
        var objs = new List<nint>();
        for (int i = 0; i < cache.ObjectsPerSlab * 2; i++)
        {
            byte* p = (byte*)cache.Alloc(Gfp.Zero);
            Assert.Equal(0, (long)(nint)p % 64);
            new Span<byte>(p, 100).Fill(7);
            objs.Add((nint)p);
        }
        foreach (nint p in objs) cache.Free((void*)p);
        Assert.Equal(0, cache.LiveObjects);
    }

    [Theory]
    [InlineData("P,Z,F", SlabFlags.Poison | SlabFlags.RedZone | SlabFlags.ConsistencyChecks)]
    [InlineData("FZP", SlabFlags.Poison | SlabFlags.RedZone | SlabFlags.ConsistencyChecks)]
    [InlineData("p", SlabFlags.Poison)]
    [InlineData("FU", SlabFlags.ConsistencyChecks)]
    [InlineData("-", SlabFlags.None)]
    public void Slub_debug_letters_parse_like_the_boot_option(string value, SlabFlags expected) =>
        Assert.Equal(expected, SlubDebug.Parse(value));

    [Fact]
    public void Unknown_slub_debug_letters_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => SlubDebug.Parse("PX"));
        Assert.Contains("'X'", e.Message);
    }
}

[Collection(GlobalPagesCollection.Name)]
public unsafe class SlubDebugEnvironmentTests
{
    [Fact]
    public void KMEMGEN_SLUB_DEBUG_turns_debugging_on_for_new_caches()
    {
        Environment.SetEnvironmentVariable(SlubDebug.EnvironmentVariable, "P,Z,F");
        SlabCache cache;
        try
        {
            cache = SlabCache.Create("env-debug", 32);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SlubDebug.EnvironmentVariable, null);
        }
        using (cache)
        {
            Assert.Equal(SlabFlags.Poison | SlabFlags.RedZone | SlabFlags.ConsistencyChecks, cache.Flags);
            byte* p = (byte*)cache.Alloc();
            p[32] = 1;
            Assert.Throws<SlabCorruptionException>(() => cache.Free(p));
        }
        using var plain = SlabCache.Create("env-debug-off", 32);
        Assert.Equal(SlabFlags.None, plain.Flags);
    }

    [Fact]
    public void A_bad_KMEMGEN_SLUB_DEBUG_is_reported_at_cache_creation()
    {
        Environment.SetEnvironmentVariable(SlubDebug.EnvironmentVariable, "Q");
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => SlabCache.Create("env-bad", 32));
            Assert.Contains("KMEMGEN_SLUB_DEBUG='Q'", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SlubDebug.EnvironmentVariable, null);
        }
    }
}
