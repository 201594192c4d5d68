using KmemGen.Buffers;

namespace KmemGen.AspNetCore;

/// <summary>
/// The pools one cgroup pays for: every pool created for one owner, or for one endpoint (Kestrel
/// creates one per I/O queue per listener). Read by the metrics and by callers that report usage.
/// </summary>
public sealed class PoolGroup
{
    private readonly Lock _lock = new();
    private SlabMemoryPool[] _pools = [];

    internal PoolGroup(string name, string owner, MemCgroup cgroup)
    {
        Name = name;
        Owner = owner;
        Cgroup = cgroup;
    }

    /// <summary>The group's cgroup name: the pool owner's, or for an endpoint's group the name configured for the endpoint.</summary>
    public string Name { get; }

    /// <summary>MemoryPoolOptions.Owner of the pools ("kestrel" for Kestrel's sockets, also in an endpoint's group).</summary>
    public string Owner { get; }

    /// <summary>The cgroup every pool of the group charges.</summary>
    public MemCgroup Cgroup { get; }

    /// <summary>The group's pools, oldest first (a copy-on-write array: readers take no lock).</summary>
    public IReadOnlyList<SlabMemoryPool> Pools => Volatile.Read(ref _pools);

    /// <summary>Bytes charged for blocks rented from the group's pools and not yet returned.</summary>
    public long BytesRented => Pools.Sum(p => p.BytesRented);

    /// <summary>Rents the cgroup's memory.max refused, over all the group's pools.</summary>
    public long Refusals => Pools.Sum(p => p.Refusals);

    /// <summary>Successful rents over all the group's pools.</summary>
    public long Rents => Pools.Sum(p => p.Rents);

    internal void Add(SlabMemoryPool pool)
    {
        lock (_lock)
        {
            Volatile.Write(ref _pools, [.. _pools, pool]);
        }
    }
}
