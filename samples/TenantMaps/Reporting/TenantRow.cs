using System.Text.Json.Serialization;

namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>memory.events counters (hierarchical, as the kernel prints them).</summary>
public sealed record EventCounts(long Low, long High, long Max, long Oom);

/// <summary>One cgroup's line of the table: its counters plus what its tenant did.</summary>
public sealed record TenantRow(
    string Name,
    string Path,
    bool Floods,
    long Usage,
    [property: JsonConverter(typeof(MemoryMaxJsonConverter))] long Max,
    long Peak,
    long FailCount,
    EventCounts Events,
    long Slab,
    int Maps,
    long Entries,
    long Updates,
    long RejectedUpdates,
    long Deletes,
    long FailedAllocations)
{
    /// <summary>memory.max when it is "max" (no limit), as the cgroup reports it.</summary>
    public bool Unlimited => Max == long.MaxValue;
}

/// <summary>The state of a run at one moment: every tenant and their parent cgroup.</summary>
public sealed record RunSnapshot(double ElapsedSeconds, TenantRow Parent, IReadOnlyList<TenantRow> Tenants);

/// <summary>One /proc/slabinfo line (version 2.1).</summary>
public sealed record SlabInfoRow(string Name, long ActiveObjects, long Objects, int ObjectSize, int ObjectsPerSlab, int PagesPerSlab, long ActiveSlabs, long Slabs);

/// <summary>
/// The end of a run: the table at the end of the load (<see cref="Final"/>), the same cgroups
/// after every map was destroyed (<see cref="AfterShutdown"/>: usage must be 0), the message the
/// flooding tenant got, and slabinfo at the end of the load.
/// </summary>
public sealed record RunReport(
    int Tenants,
    string Limit,
    int Workers,
    double DurationSeconds,
    RunSnapshot Final,
    RunSnapshot AfterShutdown,
    string? FloodingTenant,
    string? LimitMessage,
    RunOutcome Outcome,
    IReadOnlyList<SlabInfoRow> SlabInfo,
    string SlabInfoText)
{
    /// <summary>The flood was contained (<see cref="RunOutcome.Contained"/>).</summary>
    public bool Contained => Outcome == RunOutcome.Contained;

    /// <summary>The tenant that kept a reclaimable lookup cache under its memory.high, if one did.</summary>
    public CacheReport? Cache { get; init; }
}
