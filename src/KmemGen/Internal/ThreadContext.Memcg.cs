namespace KmemGen.Internal;

/// <summary>
/// The memcg part of the per-thread context: the cached current owner (the kernel's
/// <c>current-&gt;objcg</c>), the byte charge stock (the kernel's per-CPU <c>obj_stock</c>) and the
/// RCU reader record. Only the owning thread writes these fields, so the charge fast path is plain
/// loads and stores on one thread-private object; other threads ask for a drain through
/// <see cref="ObjStock.DrainGeneration"/> and the owner drains at its next charge or uncharge.
/// </summary>
internal sealed partial class ThreadContext
{
    // ---- current->objcg cache, refreshed by MemCgroup's AsyncLocal value-changed callback ----

    /// <summary>The value of <see cref="MemCgroup.Current"/> on this thread (null means Root).</summary>
    internal MemCgroup? MemcgCurrent;
    /// <summary>The owner handle charges from this thread go to; null when Current is Root.</summary>
    internal ObjCgroup? MemcgObjcg;
    /// <summary>
    /// <see cref="MemcgObjcg"/>'s id, cached so the fast path does not touch the shared ObjCgroup, or
    /// <see cref="MemcgHooks.StaleOwner"/> when that handle was released and the stock's handle reuses its id.
    /// </summary>
    internal uint MemcgObjcgId;

    // ---- obj_stock: pre-charged bytes of one ObjCgroup ----

    /// <summary>The ObjCgroup whose bytes the stock holds (the stock pins it: obj_cgroup_get on cached_objcg).</summary>
    internal ObjCgroup? StockObjcg;
    /// <summary><see cref="StockObjcg"/>'s id (<see cref="ObjStock.NoStock"/> when none); an object whose owner slot equals it refunds into the stock.</summary>
    internal uint StockObjcgId = ObjStock.NoStock;
    /// <summary>The stock's byte count and stat deltas: the only fields the charge fast path writes.</summary>
    internal PaddedStock Stock;
    /// <summary>The drain generation this stock last saw; a different global value means "drain before use".</summary>
    internal int StockGeneration;

    // ---- the last charge failure on this thread, for MemcgHooks.ChargeFailure ----
    internal ChargeFailureInfo LastChargeFailure;

    // ---- RCU ----
    /// <summary>This thread's RCU reader record, registered on the first Rcu.ReadLock().</summary>
    internal RcuReader? RcuReader;
}

/// <summary>
/// The fast path's written fields, with 128 bytes (a cache line pair, for the adjacent-line
/// prefetcher) of padding on each side: two threads' ThreadContexts are often allocated next to each
/// other, and without the padding each thread's charges would invalidate the line the other thread's
/// stock lives on (false sharing).
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128 + 8 + 8 * MemcgStatItems.Count + 128)]
internal struct PaddedStock
{
    /// <summary>Bytes charged to the page counters but not (yet) held by any object; 0..ObjStock.BatchBytes.</summary>
    [System.Runtime.InteropServices.FieldOffset(128)] public long Bytes;
    /// <summary>memory.stat deltas not yet written to the stock's cgroup (flushed past one page).</summary>
    [System.Runtime.InteropServices.FieldOffset(136)] public StatDeltas Stat;
}

/// <summary>Per-item memory.stat deltas cached in the stock (the kernel's obj_stock nr_slab_*_b).</summary>
[System.Runtime.CompilerServices.InlineArray(MemcgStatItems.Count)]
internal struct StatDeltas
{
    private long _element0;
}
