namespace KmemGen;

// STUB: public surface only; the allocator work replaces the bodies.
public sealed unsafe class SlabCache : IDisposable
{
    private SlabCache(string name, int objectSize) { Name = name; ObjectSize = objectSize; }

    public static SlabCache Create(string name, int objectSize, SlabFlags flags = SlabFlags.None, int align = 0)
    {
        _ = flags; _ = align;
        return new SlabCache(name, objectSize);
    }

    public string Name { get; }
    public int ObjectSize { get; }
    public int ObjectsPerSlab => throw new NotImplementedException();
    public int Order => throw new NotImplementedException();
    public bool Account { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }

    public void* Alloc(Gfp gfp = Gfp.Kernel) => throw new NotImplementedException();
    public void* TryAlloc(Gfp gfp = Gfp.Kernel) => throw new NotImplementedException();
    public void Free(void* obj) => throw new NotImplementedException();

    /// <summary>kmem_cache_alloc_bulk: fills <paramref name="objects"/>, charged in one step; all or nothing.</summary>
    public int AllocBulk(Gfp gfp, Span<IntPtr> objects) => throw new NotImplementedException();
    public bool TryAllocBulk(Gfp gfp, Span<IntPtr> objects) => throw new NotImplementedException();
    public void FreeBulk(ReadOnlySpan<IntPtr> objects) => throw new NotImplementedException();

    public void Shrink() => throw new NotImplementedException();
    public void Dispose() => throw new NotImplementedException();
}
