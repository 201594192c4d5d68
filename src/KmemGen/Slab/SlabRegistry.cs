namespace KmemGen.Internal;

/// <summary>
/// Every live cache by id (slab_caches), so a pointer finds its cache from the slab descriptor's CacheId
/// (Kmalloc.Free, cache_from_obj) and slabinfo can list them. Ids are never reused: a stale id in a
/// thread's CpuSlab array can never alias a newer cache.
/// </summary>
internal static class SlabRegistry
{
    private static readonly Lock s_lock = new();
    private static SlabCache?[] s_caches = new SlabCache?[64];
    private static int s_next = 1;

    public static int Register(SlabCache cache)
    {
        lock (s_lock)
        {
            int id = s_next++;
            if (id >= s_caches.Length)
            {
                var grown = new SlabCache?[s_caches.Length * 2];
                Array.Copy(s_caches, grown, s_caches.Length);
                Volatile.Write(ref s_caches, grown);
            }
            Volatile.Write(ref s_caches[id], cache);
            return id;
        }
    }

    public static void Unregister(int id)
    {
        lock (s_lock) Volatile.Write(ref s_caches[id], null);
    }

    public static SlabCache? Get(int id)
    {
        SlabCache?[] a = Volatile.Read(ref s_caches);
        return (uint)id < (uint)a.Length ? Volatile.Read(ref a[id]) : null;
    }

    /// <summary>Live caches, newest first (the order of /proc/slabinfo).</summary>
    public static List<SlabCache> Snapshot()
    {
        var list = new List<SlabCache>();
        lock (s_lock)
        {
            for (int i = s_next - 1; i > 0; i--)
                if (s_caches[i] is { } c) list.Add(c);
        }
        return list;
    }
}
