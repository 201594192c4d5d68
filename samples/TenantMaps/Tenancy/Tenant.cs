using KmemGen.Samples.TenantMaps.Maps;

namespace KmemGen.Samples.TenantMaps.Tenancy;

/// <summary>One tenant: its own cgroup (with memory.max), the maps it created, and what it asked for.</summary>
public sealed class Tenant : IDisposable
{
    private readonly List<BpfMap> _maps = [];
    private long _updates;
    private long _rejectedUpdates;
    private long _deletes;
    private string? _firstLimitMessage;

    internal Tenant(string name, MemCgroup cgroup, bool floods)
    {
        Name = name;
        Cgroup = cgroup;
        Floods = floods;
        Process = new TenantProcess(name, cgroup);
    }

    public string Name { get; }
    public MemCgroup Cgroup { get; }

    /// <summary>The noisy neighbour: inserts without bound until its cgroup refuses.</summary>
    public bool Floods { get; }

    /// <summary>The tenant's own thread, inside its cgroup.</summary>
    internal TenantProcess Process { get; }

    public IReadOnlyList<BpfMap> Maps { get { lock (_maps) { return [.. _maps]; } } }

    public long Updates => Interlocked.Read(ref _updates);
    public long RejectedUpdates => Interlocked.Read(ref _rejectedUpdates);
    public long Deletes => Interlocked.Read(ref _deletes);

    /// <summary>The tenant's reclaimable lookup cache, when it keeps one (it then runs under a memory.high).</summary>
    public LookupCache? Lookups { get; internal set; }

    /// <summary>The first MemCgroupLimitExceededException message this tenant got, if any.</summary>
    public string? FirstLimitMessage => Volatile.Read(ref _firstLimitMessage);

    internal void AddMap(BpfMap map)
    {
        lock (_maps)
        {
            _maps.Add(map);
        }
    }

    internal void Record(MapResult result, bool wasUpdate, string? error)
    {
        if (!wasUpdate)
        {
            Interlocked.Increment(ref _deletes);
        }
        else if (result == MapResult.Ok)
        {
            Interlocked.Increment(ref _updates);
        }
        else
        {
            Interlocked.Increment(ref _rejectedUpdates);
            if (error is not null)
            {
                Interlocked.CompareExchange(ref _firstLimitMessage, error, null);
            }
        }
    }

    /// <summary>Destroys the tenant's maps on its own thread (a process closing its map fds), then ends that thread.</summary>
    public void Dispose()
    {
        Process.Invoke(() =>
        {
            foreach (BpfMap map in Maps)
            {
                map.Dispose();
            }

            Lookups?.Dispose();
            return true;
        });
        Process.Dispose();
    }
}
