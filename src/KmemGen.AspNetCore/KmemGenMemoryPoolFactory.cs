using System.Buffers;
using System.Net;
using KmemGen.Buffers;
using KmemGen.Metrics;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace KmemGen.AspNetCore;

/// <summary>
/// ASP.NET Core 10's <see cref="IMemoryPoolFactory{T}"/> backed by <see cref="SlabMemoryPool"/>: every
/// pool is charged to a cgroup under <see cref="Parent"/>, one per owner (MemoryPoolOptions.Owner,
/// "kestrel" for Kestrel's sockets) or, for a listener configured with
/// <see cref="KmemGenMemoryPoolOptions.Endpoint"/>, one per endpoint; each with its own memory.max.
/// A rent over a limit throws MemCgroupLimitExceededException, which Kestrel's transport turns into a
/// closed connection; the server and the other cgroups carry on.
/// </summary>
public sealed class KmemGenMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    /// <summary>The owner name used when MemoryPoolOptions has none.</summary>
    public const string DefaultOwner = "default";

    private readonly KmemGenMemoryPoolOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PoolGroup> _groups = new(StringComparer.Ordinal);
    private PoolGroup[] _groupList = [];

    public KmemGenMemoryPoolFactory(IOptions<KmemGenMemoryPoolOptions> options) : this(options.Value)
    {
    }

    public KmemGenMemoryPoolFactory(KmemGenMemoryPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Parent = options.Parent ?? ChildOf(MemCgroup.Root, options.ParentName);
        if (options.ParentMax is not null) Parent.WriteFile("memory.max", options.ParentMax);
        if (options.TrackCgroups) KmemMetrics.Track(Parent);
        KmemGenPoolMetrics.Register(this);
    }

    /// <summary>The cgroup all of this factory's pools are charged under.</summary>
    public MemCgroup Parent { get; }

    /// <summary>One group per owner or endpoint cgroup, in creation order.</summary>
    public IReadOnlyList<PoolGroup> Groups => Volatile.Read(ref _groupList);

    /// <summary>The group called <paramref name="name"/> (an owner, or an endpoint's cgroup name), or null before its first pool.</summary>
    public PoolGroup? Group(string name)
    {
        lock (_lock)
        {
            return _groups.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// A pool charged to the cgroup of the endpoint being bound (when it has one) or of
    /// <paramref name="options"/>' owner, created with its memory.max on first use.
    /// </summary>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        string owner = options?.Owner ?? DefaultOwner;
        EndpointCgroup? endpoint = EndpointFor(EndpointBinding.Current);
        PoolGroup group = endpoint is not null
            ? GroupFor(endpoint.CgroupName, owner, endpoint.Max)
            : GroupFor(owner, owner, _options.OwnerLimits.GetValueOrDefault(owner) ?? _options.DefaultOwnerMax);
        var pool = new SlabMemoryPool(_options.BlockSize, group.Cgroup, $"{owner}:{group.Cgroup.Path}", _options.MaxCachedBytes, _options.BlockMemory);
        group.Add(pool);
        return pool;
    }

    private EndpointCgroup? EndpointFor(EndPoint? binding) =>
        binding is IPEndPoint ip ? _options.Endpoints.FirstOrDefault(e => e.EndPoint.Equals(ip)) : null;

    private PoolGroup GroupFor(string name, string owner, string? max)
    {
        lock (_lock)
        {
            if (_groups.TryGetValue(name, out PoolGroup? group)) return group;
            MemCgroup cgroup = ChildOf(Parent, name);
            // A bad limit is the configuration's fault: the ArgumentException names file and value.
            if (max is not null) cgroup.WriteFile("memory.max", max);
            if (_options.TrackCgroups) KmemMetrics.Track(cgroup);
            group = new PoolGroup(name, owner, cgroup);
            _groups.Add(name, group);
            Volatile.Write(ref _groupList, [.. _groupList, group]);
            return group;
        }
    }

    /// <summary>The child called <paramref name="name"/>, created when missing (a program may have made it to set its own limits).</summary>
    private static MemCgroup ChildOf(MemCgroup parent, string name) =>
        parent.Children.FirstOrDefault(c => c.Name == name) ?? parent.CreateChild(name);
}
