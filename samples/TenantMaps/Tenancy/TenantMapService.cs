using KmemGen.Metrics;
using KmemGen.Samples.TenantMaps.Maps;
using KmemGen.Samples.TenantMaps.Reporting;

namespace KmemGen.Samples.TenantMaps.Tenancy;

/// <summary>
/// The multi-tenant map service: tenants under one parent cgroup, each with its own memory.max;
/// maps owned by the tenant that created them; updates executed by a shared worker pool and billed
/// to each map's creator. Usable without the demo workload (tests drive it directly).
/// </summary>
public sealed class TenantMapService : IDisposable
{
    private readonly List<Tenant> _tenants = [];
    private readonly MapWorkerPool _pool;
    private bool _shutDown;
    private bool _disposed;

    /// <summary>Creates the parent cgroup <c>/<paramref name="cgroupName"/></c> and the worker pool.</summary>
    /// <exception cref="ArgumentException">The cgroup name is invalid or already in use.</exception>
    public TenantMapService(string cgroupName = "tenants", int workers = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        Parent = MemCgroup.Root.CreateChild(cgroupName);
        KmemMetrics.Track(Parent);
        KmemMetrics.Track(MapEntry.Cache);
        _pool = new MapWorkerPool(workers);
    }

    /// <summary>The cgroup every tenant's cgroup lives under: its usage is the sum of theirs.</summary>
    public MemCgroup Parent { get; }

    public IReadOnlyList<Tenant> Tenants { get { lock (_tenants) { return [.. _tenants]; } } }

    /// <summary>
    /// Adds a tenant with its own cgroup, limited by <paramref name="memoryMax"/> in memory.max
    /// syntax. A bad limit throws the cgroup's ArgumentException and leaves no cgroup behind.
    /// </summary>
    public Tenant AddTenant(string name, string memoryMax, bool floods = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MemCgroup cgroup = Parent.CreateChild(name);
        try
        {
            cgroup.WriteFile("memory.max", memoryMax);
        }
        catch
        {
            cgroup.Remove();
            throw;
        }

        KmemMetrics.Track(cgroup);
        var tenant = new Tenant(name, cgroup, floods);
        lock (_tenants)
        {
            _tenants.Add(tenant);
        }

        return tenant;
    }

    /// <summary>
    /// Creates a map owned by <paramref name="tenant"/>: created on the tenant's own thread, inside its
    /// cgroup, so the map records the tenant as its owner (bpf_map_save_memcg) and the tenant pays for the buckets.
    /// </summary>
    public BpfMap CreateMap(Tenant tenant, string name, int buckets)
    {
        ObjectDisposedException.ThrowIf(_shutDown, this);
        BpfMap map = tenant.Process.Invoke(() => BpfMap.Create(name, buckets));
        tenant.AddMap(map);
        return map;
    }

    /// <summary>Queues an update of <paramref name="map"/> on the shared workers.</summary>
    public Task<MapResult> UpdateAsync(Tenant tenant, BpfMap map, ulong key, int valueSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(valueSize);
        return _pool.Submit(new MapRequest(tenant, map, key, valueSize));
    }

    /// <summary>Queues a delete of <paramref name="key"/> on the shared workers.</summary>
    public Task<MapResult> DeleteAsync(Tenant tenant, BpfMap map, ulong key) =>
        _pool.Submit(new MapRequest(tenant, map, key, valueSize: 0));

    /// <summary>Every tenant's cgroup counters and activity, now.</summary>
    public RunSnapshot Snapshot(double elapsedSeconds)
    {
        List<TenantRow> rows = [];
        long entries = 0, updates = 0, rejected = 0, deletes = 0, failed = 0;
        int maps = 0;
        foreach (Tenant tenant in Tenants)
        {
            TenantRow row = Row(tenant);
            rows.Add(row);
            maps += row.Maps;
            entries += row.Entries;
            updates += row.Updates;
            rejected += row.RejectedUpdates;
            deletes += row.Deletes;
            failed += row.FailedAllocations;
        }

        TenantRow parent = CgroupRow(Parent.Path, Parent, floods: false) with
        {
            Maps = maps, Entries = entries, Updates = updates, RejectedUpdates = rejected, Deletes = deletes, FailedAllocations = failed,
        };
        return new RunSnapshot(elapsedSeconds, parent, rows);
    }

    /// <summary>
    /// Stops the workers (finishing queued requests), has every tenant destroy its maps on its own
    /// thread and end it, then waits (at most <paramref name="drainTimeout"/>, 5 s by default) until
    /// every tenant's usage is back to 0. Returns whether it got there. The cgroups stay until <see cref="Dispose"/>.
    /// </summary>
    public bool Shutdown(TimeSpan? drainTimeout = null)
    {
        if (_shutDown)
        {
            return Tenants.All(t => t.Cgroup.Usage == 0);
        }

        _shutDown = true;
        _pool.Dispose();
        foreach (Tenant tenant in Tenants)
        {
            tenant.Dispose();
        }

        return WaitForExitedThreadsToDrain(drainTimeout ?? TimeSpan.FromSeconds(5));
    }

    /// <summary>Shuts down, then removes every tenant cgroup and the parent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Shutdown();
        _disposed = true;
        foreach (Tenant tenant in Tenants)
        {
            KmemMetrics.Untrack(tenant.Cgroup);
            tenant.Cgroup.Remove();
        }

        KmemMetrics.Untrack(Parent);
        Parent.Remove();
    }

    /// <summary>
    /// Every byte is freed by now, but memory.current also counts what the threads that charged or
    /// refunded keep in their per-thread stocks (up to 64 pages each, as the kernel's per-CPU stocks).
    /// Those threads (workers, tenant threads) have been joined, so drain_all_stock hands their stocks
    /// back synchronously; a thread still running drains at its next charge or refund, hence the
    /// bounded wait.
    /// </summary>
    private bool WaitForExitedThreadsToDrain(TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        MemCgroup.DrainAllStock();
        while (Tenants.Any(t => t.Cgroup.Usage != 0))
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(10);
            MemCgroup.DrainAllStock();
        }

        return true;
    }

    private static TenantRow Row(Tenant tenant)
    {
        IReadOnlyList<BpfMap> maps = tenant.Maps;
        long entries = 0, failed = 0;
        foreach (BpfMap map in maps)
        {
            entries += map.Count;
            failed += map.FailedAllocations;
        }

        return CgroupRow(tenant.Name, tenant.Cgroup, tenant.Floods) with
        {
            Maps = maps.Count,
            Entries = entries,
            Updates = tenant.Updates,
            RejectedUpdates = tenant.RejectedUpdates,
            Deletes = tenant.Deletes,
            FailedAllocations = failed,
        };
    }

    private static TenantRow CgroupRow(string name, MemCgroup cgroup, bool floods)
    {
        MemoryEvents events = cgroup.Events;
        return new TenantRow(name, cgroup.Path, floods, cgroup.Usage, cgroup.Max, cgroup.Peak, cgroup.FailCount,
            new EventCounts(events.Low, events.High, events.Max, events.Oom), cgroup.Stat.Slab,
            Maps: 0, Entries: 0, Updates: 0, RejectedUpdates: 0, Deletes: 0, FailedAllocations: 0);
    }
}
