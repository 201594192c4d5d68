using System.Collections.Concurrent;

namespace KmemGen.Samples.TenantMaps.Maps;

/// <summary>
/// A tenant's cache of decoded lookups, kept in native memory charged to the tenant and reclaimable:
/// every entry not being read sits on <see cref="LookupEntry.Lru"/>, so when the tenant's cgroup goes above
/// memory.high the reclaim thread frees the tenant's coldest entries (and only the tenant's) instead of
/// failing or throttling its next request. A hit takes the entry off the LRU while it is read and puts
/// it back at the young end.
/// </summary>
/// <remarks>
/// Locking: <c>_lock</c> guards the index. Entries are allocated outside it, because a charge above
/// memory.high waits for reclaim, and reclaim's <see cref="Evict"/> takes <c>_lock</c>.
/// </remarks>
public sealed unsafe class LookupCache : IDisposable
{
    private static readonly ConcurrentDictionary<int, LookupCache> s_caches = new();
    private static int s_nextId;

    private readonly object _lock = new();
    private readonly Dictionary<ulong, nint> _index = [];
    private readonly int _id;
    private long _hits;
    private long _misses;

    static LookupCache()
    {
        // The reclaim thread calls this with each entry it took off the LRU, before freeing it.
        LookupEntry.Shrinker.Evicting = obj =>
        {
            var entry = (LookupEntry*)obj;
            if (s_caches.TryGetValue(entry->CacheId, out LookupCache? cache)) cache.Evict(entry->Key, obj);
        };
    }

    public LookupCache()
    {
        _id = Interlocked.Increment(ref s_nextId);
        s_caches[_id] = this;
    }

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    public int Count
    {
        get { lock (_lock) return _index.Count; }
    }

    /// <summary>Returns the decoded value for <paramref name="key"/>, from the cache or decoded now (charged to the current cgroup).</summary>
    public int Lookup(ulong key)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(key, out nint cached) && LookupEntry.Lru.Remove((void*)cached))
            {
                // Ours until it goes back on the LRU: reclaim cannot free it while we read it.
                var entry = (LookupEntry*)cached;
                int length = entry->Length;
                LookupEntry.Lru.Add((void*)cached);
                Interlocked.Increment(ref _hits);
                return length;
            }
        }

        Interlocked.Increment(ref _misses);
        LookupEntry* fresh = LookupEntry.Alloc(Gfp.Zero);
        fresh->Key = key;
        fresh->CacheId = _id;
        fresh->Length = Decode(key, fresh);
        lock (_lock)
        {
            if (_index.TryGetValue(key, out nint other) && LookupEntry.Lru.Remove((void*)other))
            {
                LookupEntry.Free((LookupEntry*)other);
            }

            _index[key] = (nint)fresh;
            LookupEntry.Lru.Add(fresh);
        }

        return fresh->Length;
    }

    /// <summary>Frees every entry still cached; entries reclaim already took are its to free.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (nint p in _index.Values)
            {
                if (LookupEntry.Lru.Remove((void*)p)) LookupEntry.Free((LookupEntry*)p);
            }

            _index.Clear();
        }

        s_caches.TryRemove(_id, out _);
    }

    // Reclaim dropped this entry: forget it, unless the key was cached again since.
    private void Evict(ulong key, nint obj)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(key, out nint current) && current == obj) _index.Remove(key);
        }
    }

    // Stands in for real decoding work: fills the payload from the key.
    private static int Decode(ulong key, LookupEntry* entry)
    {
        int length = (int)(key % LookupEntry.PayloadSize) + 1;
        for (int i = 0; i < length; i++) entry->Payload[i] = (byte)(key >> (i % 8 * 8));
        return length;
    }
}
