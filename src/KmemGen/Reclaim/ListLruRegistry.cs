namespace KmemGen.Internal;

/// <summary>
/// Every live <see cref="ListLru"/>, so that removing a cgroup can move its entries in each of them
/// (the kernel's memcg_list_lrus). Weak references: a list nobody holds any more needs no reparenting.
/// </summary>
internal static class ListLruRegistry
{
    private static readonly object s_lock = new();
    private static readonly List<WeakReference<ListLru>> s_lists = [];

    public static void Add(ListLru lru)
    {
        lock (s_lock)
        {
            s_lists.RemoveAll(w => !w.TryGetTarget(out _));
            s_lists.Add(new WeakReference<ListLru>(lru));
        }
    }

    public static void Remove(ListLru lru)
    {
        lock (s_lock) s_lists.RemoveAll(w => !w.TryGetTarget(out ListLru? l) || ReferenceEquals(l, lru));
    }

    /// <summary>memcg_reparent_list_lrus: moves <paramref name="child"/>'s entries in every list to its nearest online ancestor.</summary>
    public static void ReparentAll(MemCgroup child)
    {
        List<ListLru> lists = [];
        lock (s_lock)
        {
            foreach (WeakReference<ListLru> w in s_lists)
            {
                if (w.TryGetTarget(out ListLru? l)) lists.Add(l);
            }
        }
        foreach (ListLru lru in lists) lru.Reparent(child);
    }
}
