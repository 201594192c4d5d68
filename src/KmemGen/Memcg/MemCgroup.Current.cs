using KmemGen.Internal;

namespace KmemGen;

public sealed partial class MemCgroup
{
    // The current cgroup flows with the logical execution context (await, Task.Run). Reading an
    // AsyncLocal costs 10-22 ns, more than a whole slab alloc+free, so the charge path never reads
    // it: the value-changed callback, which runs on the thread whose context changed (including
    // when an await resumes on another thread), stores the resolved ObjCgroup in that thread's
    // ThreadContext, like the kernel caching current->objcg.
    private static readonly AsyncLocal<MemCgroup?> s_current = new(OnCurrentChanged);

    /// <summary>The cgroup allocations here are charged to: the innermost <see cref="Enter"/> scope on this logical flow, else <see cref="Root"/>.</summary>
    public static MemCgroup Current => s_current.Value ?? Root;

    /// <summary>
    /// set_active_memcg: makes this cgroup current until the scope is disposed (scopes nest; Dispose
    /// restores the previous one, also when an exception leaves the block). This is how work done on a
    /// shared worker is billed to the tenant it is done for. InvalidOperationException on a removed cgroup.
    /// </summary>
    public MemCgroupScope Enter()
    {
        if (!IsOnline) throw new InvalidOperationException($"Cannot enter {Path}: the cgroup was removed.");
        MemCgroup? previous = s_current.Value;
        s_current.Value = this;
        return new MemCgroupScope(previous);
    }

    internal static void Restore(MemCgroup? previous) => s_current.Value = previous;

    private static void OnCurrentChanged(AsyncLocalValueChangedArgs<MemCgroup?> change)
    {
        ThreadContext tc = ThreadContext.Current;
        tc.MemcgCurrent = change.CurrentValue;
        MemcgHooks.SetCurrentOwner(tc, ResolveObjcg(change.CurrentValue));
    }

    /// <summary>
    /// current_obj_cgroup: the handle of <paramref name="memcg"/>, or of its nearest ancestor that still
    /// has one (a removed cgroup has none); null at the root, which is not charged.
    /// </summary>
    internal static ObjCgroup? ResolveObjcg(MemCgroup? memcg)
    {
        using var rcu = Rcu.ReadLock();
        for (MemCgroup? m = memcg; m is not null && !m.IsRoot; m = m.Parent)
        {
            ObjCgroup? objcg = m.ObjcgRcu;
            if (objcg is not null && !objcg.IsReleased) return objcg;
        }
        return null;
    }
}

/// <summary>The scope <see cref="MemCgroup.Enter"/> returns; disposing it makes the previous cgroup current again.</summary>
public readonly struct MemCgroupScope : IDisposable
{
    private readonly MemCgroup? _previous;
    private readonly bool _entered;

    internal MemCgroupScope(MemCgroup? previous)
    {
        _previous = previous;
        _entered = true;
    }

    public void Dispose()
    {
        if (_entered) MemCgroup.Restore(_previous);
    }
}
