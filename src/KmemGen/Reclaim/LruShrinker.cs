namespace KmemGen;

/// <summary>
/// A shrinker over a <see cref="ListLru"/> (the kernel's list_lru_shrink_count / list_lru_shrink_walk
/// pair, as the dentry and inode caches use it): counting is the cgroup's list length, scanning takes the
/// oldest objects off the cgroup's list and frees them. Objects on the list must be unreferenced: being
/// listed is the owner's promise that reclaim may free the object at any time, until
/// <see cref="ListLru.Remove"/> (which returns false once reclaim took it) hands it back.
/// </summary>
public sealed class LruShrinker : Shrinker
{
    private readonly Action<nint> _free;
    private Action<nint>? _evicting;

    /// <param name="name">The shrinker's name.</param>
    /// <param name="lru">The list it shrinks.</param>
    /// <param name="free">Frees one object taken off the list (for a slab object: its cache's Free).</param>
    public LruShrinker(string name, ListLru lru, Action<nint> free) : base(name)
    {
        ArgumentNullException.ThrowIfNull(lru);
        ArgumentNullException.ThrowIfNull(free);
        Lru = lru;
        _free = free;
    }

    /// <summary>The list this shrinker frees from.</summary>
    public ListLru Lru { get; }

    /// <summary>
    /// Called with each object reclaim took off the list, before it is freed and outside the list's lock:
    /// the place to drop the object from an index that points at it (it is the dispose list's
    /// d_lru_shrink_move + __dentry_kill split).
    /// </summary>
    public Action<nint>? Evicting
    {
        get => Volatile.Read(ref _evicting);
        set => Volatile.Write(ref _evicting, value);
    }

    /// <summary>Objects freed by this shrinker since creation.</summary>
    public long Freed => Volatile.Read(ref _freedTotal);
    private long _freedTotal;

    /// <inheritdoc/>
    public override long CountObjects(ShrinkControl sc) => Lru.Count(sc.Cgroup);

    /// <inheritdoc/>
    public override long ScanObjects(ShrinkControl sc)
    {
        // Isolate under the list's lock, free after it (prune_dcache_sb's dispose list), so freeing
        // never runs under the lock that Add/Remove take.
        var dispose = new List<nint>((int)Math.Min(sc.NrToScan, 1024));
        long visited = 0;
        Lru.Walk(sc.Cgroup, sc.NrToScan, obj =>
        {
            visited++;
            dispose.Add(obj);
            return LruWalkResult.Removed;
        });
        sc.NrScanned = visited;
        Action<nint>? evicting = Evicting;
        foreach (nint obj in dispose)
        {
            evicting?.Invoke(obj);
            _free(obj);
        }
        Interlocked.Add(ref _freedTotal, dispose.Count);
        return dispose.Count;
    }
}
