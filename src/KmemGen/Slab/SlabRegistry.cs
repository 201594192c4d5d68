namespace KmemGen.Internal;

/// <summary>
/// Every live cache by id (slab_caches), so a pointer finds its cache from the slab descriptor's CacheId
/// (Kmalloc.Free, cache_from_obj) and slabinfo can list them. A destroyed cache's id is reused: Dispose
/// first removes the cache's per-thread state from every thread, so a thread's per-cache array is
/// indexed by live caches only and stays as small as the most caches that lived at once. A thread that
/// still finds a stale entry (it was resizing its array while the cache was destroyed) sees a CpuSlab of
/// another cache, with no slab: every path goes slow and replaces it (SlabCache.GetCpuSlab).
/// </summary>
internal static class SlabRegistry
{
    private static readonly Lock s_lock = new();
    private static SlabCache?[] s_caches = new SlabCache?[64];
    private static readonly Stack<int> s_freeIds = new();
    private static int s_next = 1;
    private static long s_created;

    /// <summary>Registers a new cache: its id, and its place in creation order (slabinfo lists newest first).</summary>
    public static int Register(SlabCache cache, out long sequence)
    {
        lock (s_lock)
        {
            sequence = ++s_created;
            int id = s_freeIds.Count > 0 ? s_freeIds.Pop() : s_next++;
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

    /// <summary>The cache is destroyed and no thread holds state for it any more: its id may be reused.</summary>
    public static void Unregister(int id)
    {
        lock (s_lock)
        {
            Volatile.Write(ref s_caches[id], null);
            s_freeIds.Push(id);
        }
    }

    public static SlabCache? Get(int id)
    {
        SlabCache?[] a = Volatile.Read(ref s_caches);
        return (uint)id < (uint)a.Length ? Volatile.Read(ref a[id]) : null;
    }

    /// <summary>Ids handed out so far that are not free (tests: the id space stays bounded).</summary>
    public static int HighestId
    {
        get { lock (s_lock) return s_next - 1; }
    }

    /// <summary>Live caches, newest first (the order of /proc/slabinfo).</summary>
    public static List<SlabCache> Snapshot()
    {
        var list = new List<SlabCache>();
        lock (s_lock)
        {
            for (int i = 1; i < s_next; i++)
                if (s_caches[i] is { } c) list.Add(c);
        }
        list.Sort((a, b) => b.Sequence.CompareTo(a.Sequence));
        return list;
    }
}
