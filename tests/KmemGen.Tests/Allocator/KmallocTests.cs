using KmemGen.Internal;

namespace KmemGen.Tests.Allocator;

public unsafe class KmallocTests
{
    [Theory]
    [InlineData(1, "kmalloc-8")]
    [InlineData(8, "kmalloc-8")]
    [InlineData(9, "kmalloc-16")]
    [InlineData(33, "kmalloc-64")]
    [InlineData(65, "kmalloc-96")]
    [InlineData(97, "kmalloc-128")]
    [InlineData(129, "kmalloc-192")]
    [InlineData(193, "kmalloc-256")]
    [InlineData(257, "kmalloc-512")]
    [InlineData(1000, "kmalloc-1k")]
    [InlineData(2048, "kmalloc-2k")]
    [InlineData(4095, "kmalloc-4k")]
    [InlineData(8192, "kmalloc-8k")]
    public void Requests_go_to_the_kernels_size_classes(int size, string cache)
    {
        Assert.Equal(cache, Kmalloc.CacheFor((nuint)size, Gfp.Kernel).Name);
        Assert.Equal(cache.Replace("kmalloc-", "kmalloc-cg-"), Kmalloc.CacheFor((nuint)size, Gfp.Account).Name);
    }

    [Fact]
    public void Accounted_requests_use_separate_cg_caches_with_SLAB_ACCOUNT()
    {
        SlabCache cg = Kmalloc.CacheFor(64, Gfp.KernelAccount);
        SlabCache plain = Kmalloc.CacheFor(64, Gfp.Kernel);
        Assert.NotSame(cg, plain);
        Assert.True(cg.Account);
        Assert.False(plain.Account);
        byte* a = (byte*)Kmalloc.Alloc(64, Gfp.KernelAccount);
        PageDesc* slab = PageAllocator.LookupHead(a);
        Assert.Equal(cg.Id, slab->CacheId);
        Kmalloc.Free(a);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(300)]
    [InlineData(8192)]
    [InlineData(8193)]
    [InlineData(100_000)]
    [InlineData(4 << 20)]
    public void Alloc_zero_and_free_from_the_pointer_alone(int size)
    {
        byte* p = (byte*)Kmalloc.Alloc((nuint)size, Gfp.Zero);
        Assert.True(new Span<byte>(p, size).IndexOfAnyExcept((byte)0) < 0);
        new Span<byte>(p, size).Fill(1);
        Kmalloc.Free(p);
    }

    [Fact]
    public void Power_of_two_classes_are_naturally_aligned()
    {
        foreach (int size in new[] { 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096 })
        {
            void* p = Kmalloc.Alloc((nuint)size);
            Assert.Equal(0, (long)(nint)p % size);
            Kmalloc.Free(p);
        }
    }

    [Fact]
    public void Large_requests_take_whole_pages()
    {
        byte* p = (byte*)Kmalloc.Alloc(20_000);
        PageDesc* d = PageAllocator.LookupHead(p);
        Assert.Equal(PageKind.KmallocLarge, d->Kind);
        Assert.Equal(3, d->Order);                     // 20000 bytes -> 8 pages
        Assert.Equal(0, (long)(nint)p % 4096);
        Kmalloc.Free(p);
    }

    [Fact]
    public void Size_zero_returns_ZERO_SIZE_PTR_and_its_free_is_a_no_op()
    {
        void* p = Kmalloc.Alloc(0);
        Assert.True(p != null);
        Assert.Equal((nint)Kmalloc.ZeroSizePtr, (nint)p);
        Kmalloc.Free(p);
        Kmalloc.Free(null);
    }

    [Fact]
    public void Huge_requests_are_a_clear_error()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Kmalloc.Alloc((4 << 20) + 1));
        Assert.Contains("largest allocation", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Kmalloc.TryAlloc(nuint.MaxValue));
    }

    [Fact]
    public void Free_of_a_pointer_kmalloc_did_not_return_throws()
    {
        void* native = System.Runtime.InteropServices.NativeMemory.Alloc(32);
        byte* large = (byte*)Kmalloc.Alloc(50_000);
        try
        {
            Assert.Throws<ArgumentException>(() => Kmalloc.Free(native));
            Assert.Throws<ArgumentException>(() => Kmalloc.Free(large + 4096));
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(native);
            Kmalloc.Free(large);
        }
    }

    [Fact]
    public void Free_works_from_another_thread()
    {
        var ptrs = Enumerable.Range(0, 500).Select(i => (nint)Kmalloc.Alloc((nuint)(i % 300 + 1))).ToArray();
        var t = new Thread(() => { foreach (nint p in ptrs) Kmalloc.Free((void*)p); });
        t.Start();
        t.Join();
        // All came back: the same sizes can be allocated again and freed here.
        foreach (nint p in ptrs) Assert.NotEqual(0, p);
    }
}
