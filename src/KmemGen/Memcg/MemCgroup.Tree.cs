using System.Text;
using KmemGen.Internal;

namespace KmemGen;

public sealed partial class MemCgroup
{
    /// <summary>NAME_MAX: the longest cgroup name, in UTF-8 bytes.</summary>
    public const int MaxNameLength = 255;

    /// <summary>
    /// mkdir: creates a child named <paramref name="name"/> (memcg_online_kmem gives it its ObjCgroup).
    /// ArgumentException for an empty name, ".", "..", a name with '/', a newline or NUL, one longer than
    /// <see cref="MaxNameLength"/> UTF-8 bytes, or a duplicate; InvalidOperationException on a removed cgroup.
    /// </summary>
    [MightSleep]  // takes cgroup_mutex
    public MemCgroup CreateChild(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ValidateName(name);
        lock (CgroupMutex)
        {
            if (!IsOnline)
                throw new InvalidOperationException($"Cannot create '{name}' under {Path}: the cgroup was removed.");
            foreach (MemCgroup sibling in _children)
            {
                if (string.Equals(sibling._name, name, StringComparison.Ordinal))
                    throw new ArgumentException($"Cannot create '{name}' under {Path}: a cgroup with that name exists.", nameof(name));
            }
            var child = new MemCgroup(name, this);
            var objcg = new ObjCgroup(child);
            child._objcgList.Add(objcg);
            Volatile.Write(ref child._objcg, objcg);
            _children.Add(child);
            Interlocked.Increment(ref s_liveCgroups);
            return child;
        }
    }

    /// <summary>The children, in creation order (a snapshot).</summary>
    public IReadOnlyList<MemCgroup> Children
    {
        get
        {
            lock (CgroupMutex) return [.. _children];
        }
    }

    /// <summary>
    /// rmdir: takes the cgroup out of the tree. Refused (InvalidOperationException) for the root, while
    /// children exist, and a second time. Live charges stay: the cgroup's ObjCgroups are reparented to
    /// the parent (memcg_reparent_objcgs), so later frees refund the parent; the cgroup itself is freed
    /// once its last css reference is gone and a grace period has passed. Its own counters stop moving.
    /// Reclaim: shrinker calls on the cgroup that are in flight finish before Remove returns (no later call
    /// names it), and its entries on every <see cref="ListLru"/> move to the parent's list.
    /// </summary>
    [MightSleep]  // takes cgroup_mutex
    public void Remove()
    {
        MemCgroup parent;
        lock (CgroupMutex)
        {
            if (IsRoot) throw new InvalidOperationException("The root cgroup cannot be removed.");
            if (!IsOnline) throw new InvalidOperationException($"{Path} was already removed.");
            if (_children.Count > 0)
                throw new InvalidOperationException($"{Path} has {_children.Count} child cgroup(s); remove them first.");
            parent = _parent!;
            parent._children.Remove(this);

            // memcg_reparent_objcgs: new charges stop taking our handle; every handle charging here
            // now charges the parent, and the parent's list takes them over (so a later removal of the
            // parent moves them on again).
            ObjCgroup? own = Volatile.Read(ref _objcg);
            Volatile.Write(ref _objcg, null);
            foreach (ObjCgroup objcg in _objcgList) objcg.Reparent(parent);
            parent._objcgList.AddRange(_objcgList);
            _objcgList.Clear();

            // css offline, then drop the base reference (kill). Order matters: a reader that still
            // finds us through an ObjCgroup must be able to CssTryGet until the reparenting is visible.
            MarkOffline();
            own?.Unpin(1);  // percpu_ref_kill(&objcg->refcnt)
        }
        TrackHighLimit(PageCounter.Unlimited);
        // memcg_reparent_list_lrus, outside cgroup_mutex: shrinkers may take it (through Children), and
        // the wait must not hold it. Offline first, then no shrinker call left on us, then move the lists,
        // so that no walk ever meets a list that is being moved.
        WaitForShrinkers();
        ListLruRegistry.ReparentAll(this);
        // mem_cgroup_css_offline: drain_all_stock, so stocked bytes return to the counters promptly.
        DrainAllStock();
        CssPut();  // the base reference held while online
    }

    // obj_cgroup_release: the handle leaves whichever cgroup's list holds it now.
    internal static void ForgetObjcg(ObjCgroup objcg)
    {
        lock (CgroupMutex)
        {
            objcg.MemCgroupUnlocked._objcgList.Remove(objcg);
        }
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0) throw new ArgumentException("A cgroup name cannot be empty.", nameof(name));
        if (name is "." or "..") throw new ArgumentException($"'{name}' is not a valid cgroup name.", nameof(name));
        if (name.Contains('/')) throw new ArgumentException($"Cgroup name '{name}' contains '/'.", nameof(name));
        // The kernel refuses only '/' and newline; we also refuse control characters and leading or
        // trailing white space, which make paths and memory.stat listings ambiguous to read back.
        foreach (char ch in name)
        {
            if (char.IsControl(ch))
                throw new ArgumentException($"Cgroup name '{Escape(name)}' contains a control character.", nameof(name));
        }
        if (char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]))
            throw new ArgumentException($"Cgroup name '{Escape(name)}' starts or ends with white space.", nameof(name));
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxNameLength)
            throw new ArgumentException($"Cgroup name is {bytes} UTF-8 bytes long; the limit is {MaxNameLength}.", nameof(name));
    }

    /// <summary>The name as a C# literal would show it, so an error message names an invisible character.</summary>
    private static string Escape(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        foreach (char ch in name)
        {
            sb.Append(ch switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ when char.IsControl(ch) || (char.IsWhiteSpace(ch) && ch != ' ') => $"\\u{(int)ch:x4}",
                _ => ch.ToString(),
            });
        }
        return sb.ToString();
    }
}
