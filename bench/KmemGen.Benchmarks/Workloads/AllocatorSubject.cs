using KmemGen.Benchmarks.Baselines;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// One allocator under test at one or more object sizes: owns what it needs (slab caches, the child
/// cgroup the accounted kinds charge, the bare heaps) and hands each thread its allocators through
/// <see cref="AllocatorSubject{T}.Bind"/>. Disposed after every thread that used it has finished and
/// every object it gave out has been freed.
/// </summary>
internal abstract class AllocatorSubject : IDisposable
{
    private readonly MemCgroup? _tenant;

    protected AllocatorSubject(AllocatorKind kind, int[] sizes)
    {
        if (sizes.Length == 0) throw new ArgumentException("at least one object size is needed", nameof(sizes));
        Kind = kind;
        Sizes = sizes;
        if (kind.IsAccounted()) _tenant = MemCgroup.Root.CreateChild($"bench-{kind}-{Guid.NewGuid():N}");
    }

    public AllocatorKind Kind { get; }
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>The child cgroup the accounted kinds charge; null for the others.</summary>
    public MemCgroup? Tenant => _tenant;

    /// <summary>The struct type the shapes are instantiated over.</summary>
    public abstract Type AllocatorType { get; }

    /// <summary>Makes the child cgroup current for the accounted kinds (dispose on the same thread); a no-op scope otherwise.</summary>
    public IDisposable Enter() => _tenant is null ? NoScope.Instance : _tenant.Enter();

    public static AllocatorSubject Create(AllocatorKind kind, params int[] sizes) => kind switch
    {
        AllocatorKind.SlabCache => new SlabCacheSubject(kind, sizes, SlabFlags.None),
        AllocatorKind.SlabCacheAccounted => new SlabCacheSubject(kind, sizes, SlabFlags.Account),
        AllocatorKind.Kmalloc => new KmallocSubject(kind, sizes, Gfp.Kernel),
        AllocatorKind.KmallocAccount => new KmallocSubject(kind, sizes, Gfp.Account),
        AllocatorKind.Mimalloc => new NativeMallocSubject(kind, sizes, NativeMallocLibrary.Mimalloc),
        AllocatorKind.Jemalloc => new NativeMallocSubject(kind, sizes, NativeMallocLibrary.Jemalloc),
        AllocatorKind.Glibc => new GlibcSubject(kind, sizes),
        AllocatorKind.BareList => new BareListSubject(kind, sizes),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an allocator kind"),
    };

    public void Dispose()
    {
        try { DisposeAllocator(); }
        finally { _tenant?.Remove(); }
    }

    protected virtual void DisposeAllocator() { }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }
}

internal abstract class AllocatorSubject<T>(AllocatorKind kind, int[] sizes) : AllocatorSubject(kind, sizes)
    where T : struct, IObjectAllocator
{
    public sealed override Type AllocatorType => typeof(T);

    /// <summary>The allocator for <see cref="AllocatorSubject.Sizes"/>[sizeIndex], for the calling thread only.</summary>
    public abstract T Bind(int sizeIndex);
}

internal sealed class SlabCacheSubject : AllocatorSubject<SlabCacheAllocator>
{
    private readonly SlabCache[] _caches;

    public SlabCacheSubject(AllocatorKind kind, int[] sizes, SlabFlags flags) : base(kind, sizes)
    {
        string id = Guid.NewGuid().ToString("N");
        _caches = sizes.Select(size => SlabCache.Create($"bench-{kind}-{size}-{id}", size, flags)).ToArray();
    }

    public override SlabCacheAllocator Bind(int sizeIndex) => new(_caches[sizeIndex]);

    protected override void DisposeAllocator()
    {
        foreach (SlabCache cache in _caches) cache.Dispose();
    }
}

internal sealed class KmallocSubject(AllocatorKind kind, int[] sizes, Gfp gfp) : AllocatorSubject<KmallocAllocator>(kind, sizes)
{
    public override KmallocAllocator Bind(int sizeIndex) => new((nuint)Sizes[sizeIndex], gfp);
}

internal sealed class GlibcSubject(AllocatorKind kind, int[] sizes) : AllocatorSubject<GlibcAllocator>(kind, sizes)
{
    public override GlibcAllocator Bind(int sizeIndex) => new((nuint)Sizes[sizeIndex]);
}

internal sealed unsafe class NativeMallocSubject : AllocatorSubject<NativeMallocAllocator>
{
    private readonly NativeMallocLibrary _library;

    public NativeMallocSubject(AllocatorKind kind, int[] sizes, NativeMallocLibrary library) : base(kind, sizes)
    {
        library.LoadOrThrow();
        _library = library;
    }

    public override NativeMallocAllocator Bind(int sizeIndex) => new(_library.Malloc, _library.Free, (nuint)Sizes[sizeIndex]);
}

internal sealed unsafe class BareListSubject(AllocatorKind kind, int[] sizes) : AllocatorSubject<BareListAllocator>(kind, sizes)
{
    // Every heap handed out, destroyed together once no thread uses them.
    private readonly List<nint> _heaps = [];

    public override BareListAllocator Bind(int sizeIndex)
    {
        BareHeap* heap = BareHeap.Create(Sizes[sizeIndex]);
        lock (_heaps) _heaps.Add((nint)heap);
        return new BareListAllocator(heap);
    }

    protected override void DisposeAllocator()
    {
        foreach (nint heap in _heaps) BareHeap.Destroy((BareHeap*)heap);
        _heaps.Clear();
    }
}
