using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// The owner handle an accounted object records (the kernel's struct obj_cgroup): a bucket of
/// byte-sized charges that belongs to one memory cgroup and moves to the parent, in one piece, when
/// that cgroup is removed. Objects store its 32-bit <see cref="Id"/> in their owner slot.
/// </summary>
/// <remarks>
/// Liveness without a per-object atomic: one count, <c>_pins</c>, is the sum of
/// (1) the base reference its cgroup holds while online, (2) explicit references (FromCurrent),
/// (3) one pin per per-thread stock caching it, and (4) the number of PAGES charged through it.
/// Every charged byte, whether held by a live object, sitting in a stock or left over in
/// <see cref="NrChargedBytes"/>, is part of a page counted in (4), and pages are returned only from
/// stocks and the leftover, never while an object still holds their bytes. So the count cannot reach
/// zero while any object refers to the handle, and it changes once per 64-page batch rather than per
/// object. At zero the handle is released and, after a grace period, its id is reused.
/// </remarks>
public sealed partial class ObjCgroup
{
    private MemCgroup _memcg;
    private long _pins;
    private int _explicitRefs;
    private int _released;

    /// <summary>Sub-page charged bytes left by drained stocks (the kernel's nr_charged_bytes).</summary>
    internal long NrChargedBytes;

    internal ObjCgroup(MemCgroup memcg)
    {
        _memcg = memcg;
        _pins = 1;  // the base reference held by the online cgroup (percpu_ref_init)
        Id = ObjCgroupTable.Register(this);
    }

    /// <summary>The 16-bit owner id objects store (never <see cref="MemcgHooks.NoOwner"/>; at most <see cref="MemcgHooks.MaxOwnerId"/>).</summary>
    internal uint Id { get; }

    /// <summary>True once every charge, pin and reference is gone (obj_cgroup_release ran).</summary>
    internal bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>
    /// The cgroup charges through this handle go to: the owning cgroup, or after it was removed the
    /// ancestor it was reparented to. Read it inside <c>using (Rcu.ReadLock())</c>, and take
    /// <see cref="MemCgroup.CssTryGet"/> before using it past the section (obj_cgroup_memcg).
    /// </summary>
    [RcuProtected]
    public MemCgroup MemCgroup => Volatile.Read(ref _memcg);

    /// <summary><see cref="MemCgroup"/> for callers holding the cgroup mutex (lockdep_is_held(&amp;cgroup_mutex)), not RCU.</summary>
    internal MemCgroup MemCgroupUnlocked => Volatile.Read(ref _memcg);

    /// <summary>
    /// The handle of <see cref="MemCgroup.Current"/> (or of its nearest live ancestor) with a reference
    /// the caller gives back with <see cref="Put"/>; null when the current cgroup is the root, which is
    /// never charged (get_obj_cgroup_from_current).
    /// </summary>
    [Acquires("objcg")]
    public static ObjCgroup? FromCurrent()
    {
        using var rcu = Rcu.ReadLock();
        for (MemCgroup? m = MemCgroup.Current; m is not null && !m.IsRoot; m = m.Parent)
        {
            ObjCgroup? objcg = m.ObjcgRcu;
            if (objcg is not null && objcg.TryPin(1))
            {
                Interlocked.Increment(ref objcg._explicitRefs);
                return objcg;
            }
        }
        return null;
    }

    /// <summary>
    /// The cgroup this handle charges, with a css reference the caller drops with
    /// <see cref="MemCgroup.CssPut"/> (get_mem_cgroup_from_objcg: css_tryget in a loop under RCU,
    /// because a plain css_get could revive a cgroup whose last reference is going: 9f38f03ae8d5).
    /// </summary>
    [Acquires("css")]
    public MemCgroup GetMemCgroup()
    {
        using var rcu = Rcu.ReadLock();
        while (true)
        {
            MemCgroup memcg = MemCgroup;
            if (memcg.CssTryGet()) return memcg;
            // Lost a race with removal: the reparenting store is about to be (or was just) published.
            Thread.SpinWait(1);
        }
    }

    /// <summary>Drops a reference from <see cref="FromCurrent"/> (obj_cgroup_put).</summary>
    [Releases("objcg")]
    public void Put()
    {
        int refs = Volatile.Read(ref _explicitRefs);
        while (true)
        {
            if (refs <= 0)
                throw new InvalidOperationException($"ObjCgroup of {MemCgroup.Path}: Put without a matching FromCurrent (reference count would go negative).");
            int prior = Interlocked.CompareExchange(ref _explicitRefs, refs - 1, refs);
            if (prior == refs) break;
            refs = prior;
        }
        Unpin(1);
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> of memory that is not a slab object (a BPF map's pages, a
    /// buffer) to this handle's cgroup, byte-granular through the calling thread's stock
    /// (obj_cgroup_charge). False when a memory.max on the way refuses (nothing charged);
    /// <see cref="Gfp.NoFail"/> forces the charge. Balance it with <see cref="Uncharge"/>.
    /// </summary>
    [Acquires("charge")]
    public bool TryCharge(long bytes, Gfp gfp = Gfp.Kernel)
    {
        if (bytes <= 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "TryCharge needs a positive byte count.");
        ThreadContext tc = ThreadContext.Current;
        ChargeResult result = ObjStock.Charge(tc, this, bytes, MemcgStatItem.Kernel, gfp);
        if (result == ChargeResult.Dead)
            throw new InvalidOperationException("TryCharge on an ObjCgroup that was already released (Put more often than FromCurrent?).");
        return result == ChargeResult.Charged;
    }

    /// <summary>Refunds bytes charged with <see cref="TryCharge"/> (obj_cgroup_uncharge).</summary>
    [Releases("charge")]
    public void Uncharge(long bytes)
    {
        if (bytes <= 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Uncharge needs a positive byte count.");
        ObjStock.Uncharge(ThreadContext.Current, this, bytes, MemcgStatItem.Kernel);
    }

    // ---- liveness ----

    /// <summary>Adds <paramref name="count"/> to the liveness count unless it already reached zero (percpu_ref_tryget).</summary>
    internal bool TryPin(long count)
    {
        long seen = Volatile.Read(ref _pins);
        while (seen > 0)
        {
            long prior = Interlocked.CompareExchange(ref _pins, seen + count, seen);
            if (prior == seen) return true;
            seen = prior;
        }
        return false;
    }

    /// <summary>Takes <paramref name="count"/> off the liveness count; the last one releases the handle.</summary>
    internal void Unpin(long count)
    {
        long left = Interlocked.Add(ref _pins, -count);
        if (left == 0) Release();
        else if (left < 0) throw new InvalidOperationException($"ObjCgroup {Id}: liveness count went negative ({left}); a charge was refunded twice.");
    }

    /// <summary>memcg_reparent_objcgs, one handle: later charges and refunds go to <paramref name="parent"/>. Caller holds the cgroup mutex.</summary>
    internal void Reparent(MemCgroup parent) => Volatile.Write(ref _memcg, parent);

    // obj_cgroup_release: nothing refers to the handle any more. Leave the cgroup's list now, but
    // reuse the id only after a grace period: a reader may have loaded this handle from a cgroup
    // under Rcu.ReadLock() just before the count reached zero, and its TryPin must see a dead
    // handle, not a new one under the same id.
    private void Release()
    {
        Volatile.Write(ref _released, 1);
        MemCgroup.ForgetObjcg(this);
        Rcu.Call(() => ObjCgroupTable.Unregister(Id));
    }
}
