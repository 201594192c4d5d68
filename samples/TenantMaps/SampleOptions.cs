namespace KmemGen.Samples.TenantMaps;

/// <summary>
/// Everything a run needs. The command line sets the first group; tests also shrink the workload.
/// A well-behaved tenant's working set is bounded by MapsPerTenant x KeysPerMap x (element +
/// MaxValueSize), about 70 KiB with the defaults, far below any sensible limit: only the flooding
/// tenant can reach its memory.max.
/// </summary>
public sealed record SampleOptions
{
    public const int MinTenants = 2;
    public const int MaxTenants = 64;
    public const int MaxWorkers = 64;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(10);

    /// <summary>Tenants, each with its own cgroup; the last one floods.</summary>
    public int Tenants { get; init; } = 4;

    /// <summary>How long the tenants keep updating their maps.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>memory.max of every tenant, in cgroup v2 syntax ("4M", "max", "1048576").</summary>
    public string Limit { get; init; } = "4M";

    /// <summary>Shared worker threads that run every tenant's updates.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Seed of the tenants' random workloads.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Print the final state as JSON instead of tables.</summary>
    public bool Json { get; init; }

    /// <summary>No live view while running.</summary>
    public bool NoLive { get; init; }

    /// <summary>Name of the cgroup under the root that holds the tenants' cgroups.</summary>
    public string CgroupName { get; init; } = "tenants";

    public int MapsPerTenant { get; init; } = 2;
    public int BucketsPerMap { get; init; } = 64;
    public int KeysPerMap { get; init; } = 64;
    public int MaxValueSize { get; init; } = 512;

    /// <summary>Value size of the flooding tenant's inserts (every key is new, so nothing is ever replaced).</summary>
    public int FloodValueSize { get; init; } = 2048;

    /// <summary>Throws ArgumentException naming the first option out of range.</summary>
    public void Validate()
    {
        Check(Tenants is >= MinTenants and <= MaxTenants, "--tenants", Tenants, $"between {MinTenants} and {MaxTenants} (one of them floods)");
        Check(Duration > TimeSpan.Zero && Duration <= MaxDuration, "--duration", Duration, $"above 0 and at most {MaxDuration.TotalMinutes:0} minutes");
        Check(!string.IsNullOrWhiteSpace(Limit), "--limit", Limit, "a memory.max value such as 4M or max");
        Check(Workers is >= 1 and <= MaxWorkers, "--workers", Workers, $"between 1 and {MaxWorkers}");
        Check(MapsPerTenant >= 1, nameof(MapsPerTenant), MapsPerTenant, "at least 1");
        Check(BucketsPerMap >= 1 && (BucketsPerMap & (BucketsPerMap - 1)) == 0, nameof(BucketsPerMap), BucketsPerMap, "a power of two");
        Check(KeysPerMap >= 1, nameof(KeysPerMap), KeysPerMap, "at least 1");
        Check(MaxValueSize >= 16, nameof(MaxValueSize), MaxValueSize, "at least 16");
        Check(FloodValueSize >= 1, nameof(FloodValueSize), FloodValueSize, "at least 1");
        Check(!string.IsNullOrWhiteSpace(CgroupName), nameof(CgroupName), CgroupName, "a cgroup name");
    }

    private static void Check(bool ok, string option, object? value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException($"{option} {value} is invalid: expected {expected}.", option);
        }
    }
}
