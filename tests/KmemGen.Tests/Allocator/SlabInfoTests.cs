namespace KmemGen.Tests.Allocator;

public unsafe class SlabInfoTests
{
    [Fact]
    public void Header_lines_are_the_kernels_version_2_1()
    {
        string[] lines = SlabInfo.Dump().Split('\n');
        Assert.Equal("slabinfo - version: 2.1", lines[0]);
        Assert.Equal("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
            + " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>", lines[1]);
    }

    [Fact]
    public void A_cache_line_has_the_kernels_columns_and_widths()
    {
        using var cache = SlabCache.Create("slabinfo-test", 100, SlabFlags.None, 0, 12);
        var objs = new List<nint>();
        for (int i = 0; i < 50; i++) objs.Add((nint)cache.Alloc());
        // 104-byte slots, 39 per order-0 slab: 50 objects need 2 slabs.
        string expected = string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "{0,-17} {1,6} {2,6} {3,6} {4,4} {5,4} : tunables    0    0    0 : slabdata {6,6} {7,6}      0\n",
            "slabinfo-test", 50, 78, 104, 39, 1, 2, 2);
        Assert.Equal(expected, SlabInfo.Line(cache));
        Assert.Equal("slabinfo-test         50     78    104   39    1 : tunables    0    0    0 : slabdata      2      2      0\n", SlabInfo.Line(cache));
        Assert.Contains(expected, SlabInfo.Dump());
        foreach (nint p in objs) cache.Free((void*)p);
    }

    [Fact]
    public void Destroyed_caches_are_not_listed()
    {
        var cache = SlabCache.Create("slabinfo-gone", 16);
        Assert.Contains("slabinfo-gone ", SlabInfo.Dump());
        cache.Dispose();
        Assert.DoesNotContain("slabinfo-gone ", SlabInfo.Dump());
    }
}
