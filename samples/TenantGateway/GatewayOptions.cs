namespace KmemGen.Samples.TenantGateway;

/// <summary>What one run does. Every number is bounded: a fixed request count and a time limit.</summary>
public sealed record GatewayOptions
{
    /// <summary>"flood": one tenant floods, the verdict says whether it was contained. "compare": KmemGen's pools against ASP.NET Core's default, normal traffic only.</summary>
    public RunMode Mode { get; init; } = RunMode.Flood;

    /// <summary>Tenants sending normal traffic (each on its own port); the flood run adds one flooding tenant.</summary>
    public int NormalTenants { get; init; } = 2;

    /// <summary>Requests each normal tenant sends (per round in the compare run).</summary>
    public int Requests { get; init; } = 2000;

    /// <summary>Concurrent requests per normal tenant.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>The whole run stops here, finished or not.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>memory.max of every tenant's cgroup (cgroup v2 syntax).</summary>
    public string TenantLimit { get; init; } = "8M";

    /// <summary>Connections the flooding tenant keeps uploading on.</summary>
    public int FloodConnections { get; init; } = 24;

    /// <summary>Bytes per flood upload.</summary>
    public long UploadBytes { get; init; } = 4 << 20;

    /// <summary>Flooding connections that download slowly (the server's output buffers fill).</summary>
    public int SlowReaders { get; init; } = 4;

    /// <summary>Compare run: measured rounds (each runs both pools, alternating which goes first).</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>The parent cgroup's name under the root.</summary>
    public string CgroupName { get; init; } = "gateway";

    /// <summary>
    /// Compare run, calibration: both sides run ASP.NET Core's default pool (the "kmemgen" side too), so
    /// the ratio shows what this machine's noise alone makes of two identical servers.
    /// </summary>
    public bool Calibrate { get; init; }

    /// <summary>Also print each tenant's pool usage every second while the load runs.</summary>
    public bool Live { get; init; }
}

public enum RunMode
{
    Flood,
    Compare,
}
