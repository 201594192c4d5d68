using System.Net;
using KmemGen.Buffers;

namespace KmemGen.AspNetCore;

/// <summary>
/// How <see cref="KmemGenMemoryPoolFactory"/> lays out its cgroups: one parent (the server's total),
/// and under it one child per pool owner ("kestrel", ...) or per listening endpoint (a tenant), each
/// with its own memory.max. Limits use cgroup v2 syntax: "max" or a byte count with K/M/G/T/P/E.
/// </summary>
public sealed class KmemGenMemoryPoolOptions
{
    private readonly Dictionary<string, string> _ownerMax = new(StringComparer.Ordinal);
    private readonly List<EndpointCgroup> _endpoints = [];

    /// <summary>The parent cgroup. Null: <see cref="ParentName"/> under <see cref="MemCgroup.Root"/>, created when missing.</summary>
    public MemCgroup? Parent { get; set; }

    /// <summary>The parent's name under the root when <see cref="Parent"/> is not set.</summary>
    public string ParentName { get; set; } = "aspnetcore";

    /// <summary>memory.max for the parent (every owner and endpoint together); null leaves it as it is.</summary>
    public string? ParentMax { get; set; }

    /// <summary>memory.max for an owner's cgroup that has no limit of its own (<see cref="OwnerMax"/>); null leaves it as it is.</summary>
    public string? DefaultOwnerMax { get; set; }

    /// <summary>Block size of every pool (4 KiB, Kestrel's, by default).</summary>
    public int BlockSize { get; set; } = SlabMemoryPool.DefaultBlockSize;

    /// <summary>
    /// Where the blocks live: pinned arrays by default, because Kestrel's socket transport sends a
    /// response spanning several blocks only from array-backed memory (with native blocks such a send
    /// fails and the connection is aborted). Native suits servers that never send more than one block
    /// per write call; each block is charged either way.
    /// </summary>
    public BlockMemory BlockMemory { get; set; } = BlockMemory.PinnedArray;

    /// <summary>
    /// Bytes of returned blocks each pool keeps for its next rents: 256 KiB by default; 0 frees every block
    /// at its return. Kept blocks stay charged to the pool's cgroup (its memory.current includes them) and
    /// its reclaim frees them before a rent is refused (see SlabMemoryPool.CachedBlocks).
    /// </summary>
    public int MaxCachedBytes { get; set; } = SlabMemoryPool.DefaultMaxCachedBytes;

    /// <summary>Report the cgroups on the KmemGen meter (usage, limit, peak, events) besides the pools' own instruments.</summary>
    public bool TrackCgroups { get; set; } = true;

    /// <summary>The limits set per owner.</summary>
    public IReadOnlyDictionary<string, string> OwnerLimits => _ownerMax;

    /// <summary>The endpoints that get a cgroup of their own.</summary>
    public IReadOnlyList<EndpointCgroup> Endpoints => _endpoints;

    /// <summary>Gives pools created for <paramref name="owner"/> (MemoryPoolOptions.Owner) the limit <paramref name="max"/>.</summary>
    public KmemGenMemoryPoolOptions OwnerMax(string owner, string max)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentException.ThrowIfNullOrWhiteSpace(max);
        _ownerMax[owner] = max;
        return this;
    }

    /// <summary>
    /// Bills the connection buffers of the listener bound to <paramref name="endpoint"/> to a cgroup
    /// named <paramref name="cgroupName"/> under the parent, with memory.max <paramref name="max"/>
    /// (null: unchanged). This is how tenants served on their own port are bounded: Kestrel's socket
    /// transport creates its pools while it binds, and the factory sees which endpoint is being bound.
    /// </summary>
    public KmemGenMemoryPoolOptions Endpoint(IPEndPoint endpoint, string cgroupName, string? max = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(cgroupName);
        if (endpoint.Port == 0)
            throw new ArgumentException($"Endpoint {endpoint}: port 0 cannot be told apart from other port-0 listeners; give the port the listener binds.", nameof(endpoint));
        if (_endpoints.Any(e => e.EndPoint.Equals(endpoint)))
            throw new ArgumentException($"Endpoint {endpoint} already has a cgroup.", nameof(endpoint));
        _endpoints.Add(new EndpointCgroup(endpoint, cgroupName, max));
        return this;
    }
}

/// <summary>A listening endpoint billed to its own cgroup.</summary>
public sealed record EndpointCgroup(IPEndPoint EndPoint, string CgroupName, string? Max);
