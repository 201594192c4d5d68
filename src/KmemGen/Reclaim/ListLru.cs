using KmemGen.Internal;

namespace KmemGen;

/// <summary>What an <see cref="LruIsolate"/> callback decided about one object (enum lru_status).</summary>
public enum LruWalkResult
{
    /// <summary>LRU_REMOVED: take the object off the list; the walker now owns it (to free it).</summary>
    Removed,
    /// <summary>LRU_ROTATE: the object was used recently; move it to the young end.</summary>
    Rotate,
    /// <summary>LRU_SKIP: leave it where it is (busy now).</summary>
    Skip,
    /// <summary>LRU_STOP: end the walk here.</summary>
    Stop,
}

/// <summary>
/// Decides about one object during <see cref="ListLru.Walk"/>. Runs under the list's lock: it must not call
/// the same <see cref="ListLru"/> and must not block; free the object after the walk, not inside.
/// </summary>
public delegate LruWalkResult LruIsolate(nint obj);

/// <summary>
/// A memcg-aware LRU list of native objects (mm/list_lru.c with memcg_aware): one list per owner cgroup,
/// oldest first, so a shrinker asked for cgroup X's objects walks exactly X's list. An object is added
/// when it becomes unused-but-cached and removed when it is used again; <see cref="Remove"/> returning
/// false means reclaim took it first. When a cgroup is removed its list is moved, oldest end first, to the
/// head of its nearest online ancestor's list (memcg_reparent_list_lrus), so nothing is stranded.
/// </summary>
/// <remarks>
/// One lock per list guards every per-cgroup list (the kernel has one per node and cgroup). Objects are
/// keyed by address; one object is on at most one list. Owner: an object belongs to the cgroup its charge
/// went to. <see cref="Add(void*)"/> reads that from the object's slab when it is a charged object of an
/// accounted cache (mem_cgroup_from_slab_obj), whichever flow adds it; for any other pointer it takes the
/// cgroup the calling flow charges (<see cref="MemCgroup.Current"/>, resolved like a charge); pass the owner
/// to <see cref="Add(void*, MemCgroup)"/> to choose.
/// </remarks>
public sealed unsafe class ListLru : IDisposable
{
    private sealed class Node(nint obj, Sublist list)
    {
        public readonly nint Obj = obj;
        public Sublist List = list;
        public Node? Prev, Next;
    }

    private sealed class Sublist(MemCgroup owner)
    {
        public readonly MemCgroup Owner = owner;
        public Node? Head, Tail;   // Head = oldest
        public long Count;
    }

    // Guards everything below; never held while calling anything but an LruIsolate.
    private readonly object _lock = new();
    private readonly Dictionary<nint, Node> _nodes = [];
    private readonly Dictionary<MemCgroup, Sublist> _lists = [];
    private bool _inWalk;
    private bool _disposed;

    public ListLru(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        ListLruRegistry.Add(this);
    }

    public string Name { get; }

    /// <summary>Objects on all lists.</summary>
    public long TotalCount
    {
        get { lock (_lock) return _nodes.Count; }
    }

    /// <summary>
    /// list_lru_add_obj: adds <paramref name="obj"/> at the young end of its owner's list: the cgroup its charge
    /// went to when it is a charged object of an accounted slab cache or kmalloc (whichever flow adds it), else
    /// the cgroup the calling flow charges. False if it is already on the list.
    /// </summary>
    public bool Add(void* obj) => Add(obj, MemcgOf(SlabCache.RecordedOwnerOf(obj)) ?? ChargeTarget());

    /// <summary>list_lru_add: adds <paramref name="obj"/> at the young end of <paramref name="owner"/>'s list (its nearest online ancestor's, if it was removed). False if already listed.</summary>
    public bool Add(void* obj, MemCgroup owner)
    {
        if (obj == null) throw new ArgumentNullException(nameof(obj), $"ListLru '{Name}': cannot add a null object.");
        ArgumentNullException.ThrowIfNull(owner);
        lock (_lock)
        {
            EnterMutation();
            if (_nodes.ContainsKey((nint)obj)) return false;
            Sublist list = ListOf(NearestOnline(owner));
            var node = new Node((nint)obj, list);
            AppendTail(list, node);
            _nodes.Add((nint)obj, node);
            return true;
        }
    }

    /// <summary>list_lru_del_obj: takes <paramref name="obj"/> off its list. False if it is not listed (never added, or reclaim isolated it).</summary>
    public bool Remove(void* obj)
    {
        lock (_lock)
        {
            EnterMutation();
            if (!_nodes.Remove((nint)obj, out Node? node)) return false;
            Unlink(node);
            return true;
        }
    }

    public bool Contains(void* obj)
    {
        lock (_lock) return _nodes.ContainsKey((nint)obj);
    }

    /// <summary>list_lru_count_one: objects on <paramref name="memcg"/>'s own list (not its descendants'); 0 once it was removed.</summary>
    public long Count(MemCgroup memcg)
    {
        ArgumentNullException.ThrowIfNull(memcg);
        lock (_lock) return _lists.TryGetValue(memcg, out Sublist? list) ? list.Count : 0;
    }

    /// <summary>The cgroup whose list holds <paramref name="obj"/>, or null when it is not listed.</summary>
    public MemCgroup? OwnerOf(void* obj)
    {
        lock (_lock) return _nodes.TryGetValue((nint)obj, out Node? node) ? node.List.Owner : null;
    }

    /// <summary>
    /// list_lru_walk_one: offers up to <paramref name="nrToWalk"/> objects of <paramref name="memcg"/>'s own list,
    /// oldest first, to <paramref name="isolate"/>, and returns how many it took (<see cref="LruWalkResult.Removed"/>).
    /// A removed cgroup has no list (it was moved to an ancestor): the walk returns 0 without calling isolate.
    /// </summary>
    public long Walk(MemCgroup memcg, long nrToWalk, LruIsolate isolate)
    {
        ArgumentNullException.ThrowIfNull(memcg);
        ArgumentNullException.ThrowIfNull(isolate);
        ArgumentOutOfRangeException.ThrowIfNegative(nrToWalk);
        long removed = 0;
        lock (_lock)
        {
            EnterMutation();
            if (!_lists.TryGetValue(memcg, out Sublist? list)) return 0;
            _inWalk = true;
            try
            {
                Node? node = list.Head;
                // Rotated nodes go to the tail; stop when we reach the first of them again.
                Node? firstRotated = null;
                for (long visited = 0; node is not null && node != firstRotated && visited < nrToWalk; visited++)
                {
                    Node? next = node.Next;
                    switch (isolate(node.Obj))
                    {
                        case LruWalkResult.Removed:
                            Unlink(node);
                            _nodes.Remove(node.Obj);
                            removed++;
                            break;
                        case LruWalkResult.Rotate:
                            Unlink(node);
                            AppendTail(list, node);
                            firstRotated ??= node;
                            break;
                        case LruWalkResult.Skip:
                            break;
                        case LruWalkResult.Stop:
                            return removed;
                        default:
                            throw new InvalidOperationException($"ListLru '{Name}': the isolate callback returned an unknown result.");
                    }
                    node = next;
                }
            }
            finally
            {
                _inWalk = false;
            }
        }
        return removed;
    }

    /// <summary>Stops reparenting into this list; objects still listed are left to their owner.</summary>
    public void Dispose()
    {
        lock (_lock) _disposed = true;
        ListLruRegistry.Remove(this);
    }

    /// <summary>
    /// memcg_reparent_list_lrus for one list: <paramref name="child"/>'s entries go to the head (the old end)
    /// of its nearest online ancestor's list, as list_splice_init does. Called by MemCgroup.Remove after the
    /// child went offline and no shrinker call on it is in flight.
    /// </summary>
    internal void Reparent(MemCgroup child)
    {
        lock (_lock)
        {
            if (!_lists.Remove(child, out Sublist? from) || from.Count == 0) return;
            Sublist to = ListOf(NearestOnline(child));
            for (Node? n = from.Head; n is not null; n = n.Next) n.List = to;
            from.Tail!.Next = to.Head;
            if (to.Head is not null) to.Head.Prev = from.Tail;
            else to.Tail = from.Tail;
            to.Head = from.Head;
            to.Count += from.Count;
        }
    }

    // The reclaim loop and the stress test rely on this: a walk's callback that re-enters the list
    // would unlink nodes the walk holds; refuse it.
    private void EnterMutation()
    {
        if (_inWalk) throw new InvalidOperationException($"ListLru '{Name}': an isolate callback must not call the list it is walking.");
        ObjectDisposedException.ThrowIf(_disposed, this);
    }

    // Under _lock. A cgroup is offline from the start of its removal; its entries (and any added
    // meanwhile) belong to the nearest ancestor still online. The root never goes offline.
    private static MemCgroup NearestOnline(MemCgroup memcg)
    {
        MemCgroup m = memcg;
        while (!m.IsOnline) m = m.Parent!;
        return m;
    }

    private Sublist ListOf(MemCgroup memcg)
    {
        if (!_lists.TryGetValue(memcg, out Sublist? list))
        {
            list = new Sublist(memcg);
            _lists.Add(memcg, list);
        }
        return list;
    }

    private static void AppendTail(Sublist list, Node node)
    {
        node.List = list;
        node.Next = null;
        node.Prev = list.Tail;
        if (list.Tail is not null) list.Tail.Next = node;
        else list.Head = node;
        list.Tail = node;
        list.Count++;
    }

    private static void Unlink(Node node)
    {
        Sublist list = node.List;
        if (node.Prev is not null) node.Prev.Next = node.Next;
        else list.Head = node.Next;
        if (node.Next is not null) node.Next.Prev = node.Prev;
        else list.Tail = node.Prev;
        node.Prev = node.Next = null;
        list.Count--;
    }

    // The cgroup a charge from this flow goes to (current_obj_cgroup's memcg), or the root.
    private static MemCgroup ChargeTarget() => MemcgOf(ThreadContext.Current.MemcgObjcg) ?? MemCgroup.Root;

    // obj_cgroup_memcg under the read lock: a reparented objcg already names its new cgroup.
    private static MemCgroup? MemcgOf(ObjCgroup? objcg)
    {
        if (objcg is null) return null;
        using var rcu = Rcu.ReadLock();
        return objcg.MemCgroup;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
