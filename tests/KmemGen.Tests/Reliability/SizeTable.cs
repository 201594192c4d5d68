using KmemGen.Tests.Allocator;

namespace KmemGen.Tests.Reliability;

/// <summary>
/// Bad sizes for the three allocators, one row each: ArgumentOutOfRangeException naming the parameter
/// and the value (or, for kmalloc(0), the documented ZERO_SIZE_PTR), and the process-wide page count
/// unchanged. Runs in the global-pages collection because it asserts the process-wide page count.
/// </summary>
[Collection(GlobalPagesCollection.Name)]
public unsafe class SizeTable
{
    private const long FourMiB = 4L << 20;

    // size, Gfp
    public static TheoryData<ulong, Gfp> BadKmallocSizes => new()
    {
        { (ulong)FourMiB + 1,           Gfp.Kernel },
        { (ulong)FourMiB + 1,           Gfp.KernelAccount },
        { (ulong)FourMiB * 2,           Gfp.Kernel },
        { (ulong)int.MaxValue,          Gfp.Kernel },
        { (ulong)int.MaxValue + 1,      Gfp.Kernel },
        { (ulong)long.MaxValue,         Gfp.KernelAccount },
        { ulong.MaxValue,               Gfp.Kernel },
        { ulong.MaxValue,               Gfp.Zero | Gfp.NoFail },
    };

    [Theory]
    [MemberData(nameof(BadKmallocSizes))]
    public void Kmalloc_of_an_impossible_size_throws_for_Alloc_and_TryAlloc_and_takes_no_pages(ulong size, Gfp gfp)
    {
        long pages = Pages.InUse;

        var alloc = Assert.Throws<ArgumentOutOfRangeException>(() => Kmalloc.Alloc((nuint)size, gfp));
        var tryAlloc = Assert.Throws<ArgumentOutOfRangeException>(() => Kmalloc.TryAlloc((nuint)size, gfp));

        Assert.Contains(size.ToString(System.Globalization.CultureInfo.InvariantCulture), alloc.Message);
        Assert.Contains("largest allocation", tryAlloc.Message);
        Assert.Equal(pages, Pages.InUse);
    }

    [Theory]
    [InlineData(Gfp.Kernel)]
    [InlineData(Gfp.KernelAccount)]
    [InlineData(Gfp.Zero)]
    public void Kmalloc_of_zero_returns_ZERO_SIZE_PTR_takes_no_pages_and_frees_as_a_no_op(Gfp gfp)
    {
        long pages = Pages.InUse;

        void* a = Kmalloc.Alloc(0, gfp);
        void* b = Kmalloc.TryAlloc(0, gfp);

        Assert.Equal((nint)Kmalloc.ZeroSizePtr, (nint)a);
        Assert.Equal((nint)Kmalloc.ZeroSizePtr, (nint)b);
        Kmalloc.Free(a);
        Kmalloc.Free(b);
        Assert.Equal(pages, Pages.InUse);
    }

    [Fact]
    public void Kmalloc_at_exactly_the_largest_size_works_and_gives_its_pages_back()
    {
        long pages = Pages.InUse;
        void* p = Kmalloc.Alloc((nuint)Kmalloc.MaxSize);
        Assert.Equal(pages + (Kmalloc.MaxSize >> 12), Pages.InUse);
        Kmalloc.Free(p);
        Assert.Equal(pages, Pages.InUse);
    }

    // objectSize, flags, align
    public static TheoryData<int, SlabFlags, int> BadCacheSizes => new()
    {
        { 0,                        SlabFlags.None,     0 },
        { -1,                       SlabFlags.None,     0 },
        { int.MinValue,             SlabFlags.Account,  0 },
        { (int)FourMiB + 1,         SlabFlags.None,     0 },
        { int.MaxValue,             SlabFlags.None,     0 },
        { (int)FourMiB,             SlabFlags.RedZone,  0 },   // fits alone, not with its red zones
        { 64,                       SlabFlags.None,     -8 },
        { 64,                       SlabFlags.None,     3 },
        { 64,                       SlabFlags.None,     8192 },
        { 64,                       SlabFlags.None,     int.MinValue },
    };

    [Theory]
    [MemberData(nameof(BadCacheSizes))]
    public void SlabCache_Create_with_a_bad_size_or_alignment_throws_naming_it_and_takes_no_pages(int objectSize, SlabFlags flags, int align)
    {
        long pages = Pages.InUse;
        string name = $"rel-bad-size-{Guid.NewGuid():N}";

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SlabCache.Create(name, objectSize, flags, align));

        Assert.Contains(name, error.Message);
        Assert.Contains(error.ParamName == "align" ? align.ToString(System.Globalization.CultureInfo.InvariantCulture)
                                                   : objectSize.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.Equal(pages, Pages.InUse);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(Pages.MaxOrder + 1)]
    [InlineData(31)]
    [InlineData(64)]
    [InlineData(int.MaxValue)]
    public void Pages_with_an_order_outside_0_to_MaxOrder_throws_for_Alloc_and_TryAlloc_and_takes_nothing(int order)
    {
        long pages = Pages.InUse;

        var alloc = Assert.Throws<ArgumentOutOfRangeException>(() => Pages.Alloc(order));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pages.TryAlloc(order, Gfp.KernelAccount));

        Assert.Equal("order", alloc.ParamName);
        Assert.Equal(pages, Pages.InUse);
    }
}
