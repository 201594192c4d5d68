namespace KmemGen;

// STUB: public surface only; the memcg work replaces the bodies.
public sealed class MemCgroup
{
    private MemCgroup() { }

    public static MemCgroup Root { get; } = new();
    public static MemCgroup Current => throw new NotImplementedException();

    public MemCgroup CreateChild(string name) => throw new NotImplementedException();
    public void Remove() => throw new NotImplementedException();
    public MemCgroupScope Enter() => throw new NotImplementedException();

    public string Path => throw new NotImplementedException();
    public MemCgroup? Parent => throw new NotImplementedException();
    public long Usage => throw new NotImplementedException();
    public long Max { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    public long High { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    public long Peak => throw new NotImplementedException();
    public long FailCount => throw new NotImplementedException();
    public MemoryEvents Events => throw new NotImplementedException();
    public MemoryStat Stat => throw new NotImplementedException();

    public string ReadFile(string name) => throw new NotImplementedException();
    public void WriteFile(string name, string value) => throw new NotImplementedException();

    [Acquires("css")] public bool CssTryGet() => throw new NotImplementedException();
    [Acquires("css")] public bool CssTryGetOnline() => throw new NotImplementedException();
    [Acquires("css")] public void CssGet() => throw new NotImplementedException();
    [Releases("css")] public void CssPut() => throw new NotImplementedException();
}

public readonly struct MemCgroupScope : IDisposable
{
    public void Dispose() { }
}

public readonly record struct MemoryEvents(long Low, long High, long Max, long Oom);

public readonly record struct MemoryStat(long Slab, long SlabReclaimable, long SlabUnreclaimable, long Kernel, long Percpu, long Vmalloc);

/// <summary>A charge would take a cgroup over memory.max. The message names the cgroup, its limit, its usage and the request.</summary>
public sealed class MemCgroupLimitExceededException(string message) : OutOfMemoryException(message);
