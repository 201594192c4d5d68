namespace KmemGen;

// memory.stat's reclaim counters (the kernel's memcg vm events pgscan / pgsteal), counted in objects.
public sealed partial class MemCgroup
{
    // Hierarchical: a scan of this cgroup's own objects counts here and in every ancestor, as
    // memory.stat sums descendants. Written only by reclaim.
    private long _pgscan;
    private long _pgsteal;

    /// <summary>Objects shrinkers looked at in this cgroup and its descendants (memory.stat pgscan).</summary>
    public long ReclaimScanned => Volatile.Read(ref _pgscan);

    /// <summary>Objects shrinkers freed in this cgroup and its descendants (memory.stat pgsteal).</summary>
    public long ReclaimFreed => Volatile.Read(ref _pgsteal);

    internal void CountReclaim(long scanned, long freed)
    {
        for (MemCgroup? m = this; m is not null; m = m._parent)
        {
            if (scanned != 0) Interlocked.Add(ref m._pgscan, scanned);
            if (freed != 0) Interlocked.Add(ref m._pgsteal, freed);
        }
    }
}
