namespace KmemGen;

/// <summary>
/// memory.events / memory.events.local counts: <see cref="Low"/> reclaim took from a cgroup under its
/// memory.low; <see cref="High"/> charges left it above memory.high; <see cref="Max"/> charges hit memory.max
/// (whether reclaim then made room or not); <see cref="Oom"/> charges failed there.
/// <see cref="OomKill"/> is always 0: KmemGen has no OOM killer.
/// </summary>
public readonly record struct MemoryEvents(long Low, long High, long Max, long Oom)
{
    public long OomKill { get; init; }
}

/// <summary>memory.stat entries KmemGen tracks, in bytes. <see cref="Kernel"/> includes the slab, percpu and vmalloc bytes.</summary>
public readonly record struct MemoryStat(long Slab, long SlabReclaimable, long SlabUnreclaimable, long Kernel, long Percpu, long Vmalloc)
{
    /// <summary>pgscan: objects shrinkers looked at in this cgroup and its descendants (the kernel counts pages).</summary>
    public long Pgscan { get; init; }

    /// <summary>pgsteal: objects shrinkers freed in this cgroup and its descendants (the kernel counts pages).</summary>
    public long Pgsteal { get; init; }
}

/// <summary>A charge would take a cgroup over memory.max. The message names the cgroup, its limit, its usage and the request.</summary>
public sealed class MemCgroupLimitExceededException : OutOfMemoryException
{
    public MemCgroupLimitExceededException(string message) : base(message) { }

    internal MemCgroupLimitExceededException(string cgroupPath, long limit, long usage, long request)
        : base($"memory cgroup {cgroupPath}: charging {request} bytes would exceed memory.max (limit {limit} bytes, usage {usage} bytes).")
    {
        CgroupPath = cgroupPath;
        Limit = limit;
        Usage = usage;
        Request = request;
    }

    /// <summary>The cgroup whose memory.max refused (it may be an ancestor of the charged one).</summary>
    public string? CgroupPath { get; }
    public long Limit { get; }
    public long Usage { get; }
    public long Request { get; }
}
