using System.ComponentModel;

namespace KmemGen;

/// <summary>
/// The cache a <c>[SlabCharge]</c> type owns, as its generated <c>T.Cache</c> shows it: what can be read or
/// done while the type is in use (name, sizes, flags, statistics, <see cref="Shrink"/>) and nothing that
/// could end or reconfigure it. The type has this one cache for the life of the process, so there is no
/// Dispose (kmem_cache_destroy would leave every later <c>T.Alloc</c> failing), and accounting is fixed
/// by the attribute and the KmemAccounting build property, so <see cref="Account"/> cannot be set.
/// </summary>
public sealed class SlabChargeCache
{
    private readonly SlabCache _cache;

    /// <summary>Wraps the generated type's cache; the generated code calls this once per type.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public SlabChargeCache(SlabCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
    }

    /// <summary>The cache's name, as /proc/slabinfo shows it.</summary>
    public string Name => _cache.Name;

    /// <summary>The size of one object (sizeof(T)).</summary>
    public int ObjectSize => _cache.ObjectSize;

    public int ObjectsPerSlab => _cache.ObjectsPerSlab;

    public int Order => _cache.Order;

    /// <summary>The slot size (object plus padding and debug metadata): slabinfo's objsize.</summary>
    public int SlotSize => _cache.SlotSize;

    public int Align => _cache.Align;

    public SlabFlags Flags => _cache.Flags;

    /// <summary>Whether every object is charged to the allocating cgroup; read-only here.</summary>
    public bool Account => _cache.Account;

    /// <summary>The cache itself, for the runtime's own readers (metrics).</summary>
    internal SlabCache Cache => _cache;

    /// <summary>slabinfo's figures now: objects in use, objects in all slabs, slabs.</summary>
    public SlabCacheStats Stats()
    {
        (long active, long total, long slabs) = _cache.Stats();
        return new SlabCacheStats(active, total, slabs);
    }

    /// <summary>kmem_cache_shrink: see <see cref="SlabCache.Shrink"/>.</summary>
    public void Shrink() => _cache.Shrink();

    public override string ToString() => Name;
}

/// <summary>A cache's slabinfo figures: active_objs, num_objs and num_slabs.</summary>
public readonly record struct SlabCacheStats(long ActiveObjects, long TotalObjects, long Slabs);
