using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// A memory cgroup (the kernel's struct mem_cgroup): a node in the tree under <see cref="Root"/> with a
/// hierarchical page counter, events, stats and cgroup-v2 control files. Objects allocated with
/// <see cref="Gfp.Account"/> (or from an accounted cache) are charged to <see cref="Current"/>.
/// </summary>
/// <remarks>
/// Parts: tree and names (MemCgroup.Tree.cs), the current cgroup (MemCgroup.Current.cs), counters,
/// events and stats (MemCgroup.Counters.cs), control files (MemCgroup.Files.cs), css references and
/// freeing (MemCgroup.Css.cs).
/// </remarks>
public sealed partial class MemCgroup
{
    /// <summary>
    /// cgroup_mutex: serialises tree changes (create, remove) and the ObjCgroup lists that removal
    /// reparents. Never held on the charge path.
    /// </summary>
    internal static readonly object CgroupMutex = new();

    private readonly string _name;
    private readonly MemCgroup? _parent;
    // Guarded by CgroupMutex.
    private readonly List<MemCgroup> _children = [];
    // ObjCgroups whose charges land here: our own plus those reparented from removed descendants
    // (the kernel's objcg_list). Guarded by CgroupMutex.
    private readonly List<ObjCgroup> _objcgList = [];
    // memcg->objcg: the handle new charges take; null at the root and once removed. Written under
    // CgroupMutex, read lock-free (under RCU by convention).
    private ObjCgroup? _objcg;

    private MemCgroup(string name, MemCgroup? parent)
    {
        _name = name;
        _parent = parent;
        Path = parent is null ? "/" : parent.IsRoot ? "/" + name : parent.Path + "/" + name;
        Counter = new PageCounter(parent?.Counter, this);
        _cssState = CssOnlineBit | CssOneRef;
    }

    /// <summary>The root of the tree; never charged directly (charges of children show in its usage), never removed.</summary>
    public static MemCgroup Root { get; } = new(string.Empty, null);

    /// <summary>"/" for the root, "/a/b" below it.</summary>
    public string Path { get; }

    /// <summary>The last path component ("" for the root).</summary>
    public string Name => _name;

    /// <summary>The parent; null for the root. A removed cgroup keeps its parent.</summary>
    public MemCgroup? Parent => _parent;

    internal bool IsRoot => _parent is null;

    internal PageCounter Counter { get; }

    /// <summary>memcg-&gt;objcg (rcu_dereference): the handle new charges take, or null (root, removed).</summary>
    [RcuProtected]
    internal ObjCgroup? ObjcgRcu => Volatile.Read(ref _objcg);

    /// <inheritdoc/>
    public override string ToString() => Path;
}
