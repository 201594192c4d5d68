using System.Runtime.CompilerServices;

namespace KmemGen.Internal;

internal enum ChargeResult
{
    Charged,
    /// <summary>A memory.max refused the charge; the details are in ThreadContext.LastChargeFailure.</summary>
    Failed,
    /// <summary>The ObjCgroup was already released; re-resolve the owner and retry.</summary>
    Dead,
}

/// <summary>
/// The per-thread byte charge stock (the kernel's obj_stock over its 64-page MEMCG_CHARGE_BATCH).
/// A charge or refund first tries the calling thread's stock: if it caches the same ObjCgroup and
/// holds enough bytes, it is a subtraction on a thread-private field and nothing shared is touched.
/// Otherwise the slow path here switches the stock to the new ObjCgroup and refills it by charging
/// whole pages, a batch at a time, through the hierarchical page counters.
/// </summary>
/// <remarks>
/// Bound (held by tests): a stock never holds more than <see cref="BatchBytes"/>, and each ObjCgroup
/// keeps at most about one page of leftover (<see cref="ObjCgroup.NrChargedBytes"/>); so memory.current
/// leads the bytes live objects hold by at most BatchBytes per thread that charged or refunded the
/// cgroup, plus one page per ObjCgroup charged in its subtree.
/// Only the owning thread touches its stock; other threads (a memory.max write, a removal, a charge
/// failure) bump <see cref="DrainGeneration"/> and each thread drains at its next stock operation, as
/// the kernel's drain_all_stock queues work on each CPU without waiting for it. A thread that has
/// exited is drained by ThreadRegistry's exit handling, at once by <see cref="DrainAll"/>.
/// </remarks>
internal static class ObjStock
{
    public const int PageShift = 12;
    public const long PageSize = 1L << PageShift;
    private const long PageMask = PageSize - 1;
    /// <summary>MEMCG_CHARGE_BATCH: pages charged to the counters per refill.</summary>
    public const int ChargeBatchPages = 64;
    public const long BatchBytes = ChargeBatchPages * PageSize;

    private static int s_drainGeneration;

    /// <summary>Changes when every thread should drain its stock before using it again.</summary>
    public static int DrainGeneration
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref s_drainGeneration);
    }

    /// <summary>drain_all_stock: asks every thread to drain at its next charge or refund.</summary>
    public static void RequestDrainAll() => Interlocked.Increment(ref s_drainGeneration);

    /// <summary>Drains the calling thread's stock now.</summary>
    public static void DrainCurrentThread() => Drain(ThreadContext.Current);

    /// <summary>
    /// drain_all_stock, synchronous where it can be: the stocks of threads that have exited are drained
    /// now (with the rest of their exit handling), and so is the calling thread's; every other thread is
    /// asked to drain at its next charge or refund (its stock is its own: no other thread may touch it
    /// while it runs). With <paramref name="scope"/>, the calling thread drains only a stock that holds
    /// charges of that cgroup or a descendant.
    /// </summary>
    public static void DrainAll(MemCgroup? scope)
    {
        ThreadRegistry.ReapExited();
        ThreadContext tc = ThreadContext.Current;
        if (scope is null || StockCharges(tc, scope)) Drain(tc);
        RequestDrainAll();
    }

    private static bool StockCharges(ThreadContext tc, MemCgroup scope)
    {
        ObjCgroup? objcg = tc.StockObjcg;
        if (objcg is null) return false;
        using var rcu = Rcu.ReadLock();
        for (MemCgroup? m = objcg.MemCgroup; m is not null; m = m.Parent)
            if (m == scope) return true;
        return false;
    }

    /// <summary>What <c>ThreadContext.StockObjcgId</c> holds while the stock caches no handle: never an owner id.</summary>
    public const uint NoStock = uint.MaxValue;

    /// <summary>
    /// The one stock-hit test: the stock serves owner <paramref name="ownerId"/> now (it caches that handle
    /// and no drain is pending). The stock pins its handle, so its id cannot have been reused: equal ids
    /// mean the same handle. Every charge and refund, inlined or not, asks this and nothing else.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Serves(ThreadContext tc, uint ownerId) =>
        ownerId == tc.StockObjcgId && tc.StockGeneration == DrainGeneration;

    /// <summary>
    /// consume_obj_stock: takes <paramref name="size"/> bytes for <paramref name="ownerId"/> when the stock
    /// serves it, holds enough, and the stat delta stays under a page. False on any miss, with nothing
    /// changed. Plain loads and stores on this thread's fields and no call, so the allocator can inline it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryConsume(ThreadContext tc, uint ownerId, long size, MemcgStatItem item)
    {
        long left = tc.Stock.Bytes - size;
        ref long stat = ref StatDelta(tc, item);
        long statAfter = stat + size;
        if (!Serves(tc, ownerId) || left < 0 || !StatDeltaFits(statAfter)) return false;
        tc.Stock.Bytes = left;
        stat = statAfter;
        return true;
    }

    /// <summary>
    /// refill_obj_stock's hit: puts back <paramref name="size"/> bytes of <paramref name="ownerId"/> when the
    /// stock serves it, stays within a batch, and the stat delta stays under a page. False on any miss,
    /// with nothing changed. No call, as above.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRefill(ThreadContext tc, uint ownerId, long size, MemcgStatItem item)
    {
        long bytes = tc.Stock.Bytes + size;
        ref long stat = ref StatDelta(tc, item);
        long statAfter = stat - size;
        if (!Serves(tc, ownerId) || bytes > BatchBytes || !StatDeltaFits(statAfter)) return false;
        tc.Stock.Bytes = bytes;
        stat = statAfter;
        return true;
    }

    /// <summary>Charges <paramref name="size"/> bytes to <paramref name="objcg"/> through the stock (obj_cgroup_charge).</summary>
    public static ChargeResult Charge(ThreadContext tc, ObjCgroup objcg, long size, MemcgStatItem item, Gfp gfp) =>
        TryConsume(tc, objcg.Id, size, item) ? ChargeResult.Charged : ChargeSlow(tc, objcg, size, item, gfp);

    /// <summary>Refunds <paramref name="size"/> bytes of <paramref name="objcg"/> into the stock (refill_obj_stock).</summary>
    public static void Uncharge(ThreadContext tc, ObjCgroup objcg, long size, MemcgStatItem item)
    {
        if (!TryRefill(tc, objcg.Id, size, item)) UnchargeSlow(tc, objcg, size, item);
    }

    /// <summary>Adds a memory.stat delta for the stock's ObjCgroup; written out once it passes a page either way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddStat(ThreadContext tc, MemcgStatItem item, long delta)
    {
        ref long cached = ref StatDelta(tc, item);
        long updated = cached + delta;
        cached = updated;
        if (!StatDeltaFits(updated)) FlushStat(tc, item);
    }

    /// <summary>The stock's cached memory.stat delta for <paramref name="item"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref long StatDelta(ThreadContext tc, MemcgStatItem item) =>
        // The item is one of MemcgStatItems.Count enum values (the allocator passes its cache's bucket),
        // so the inline array needs no bounds check on this path.
        ref Unsafe.Add(ref Unsafe.As<StatDeltas, long>(ref tc.Stock.Stat), (int)item);

    /// <summary>A cached stat delta may stay cached while it is within one page either way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool StatDeltaFits(long delta) => (ulong)(delta + PageSize) <= 2 * PageSize;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ChargeResult ChargeSlow(ThreadContext tc, ObjCgroup objcg, long size, MemcgStatItem item, Gfp gfp)
    {
        if (tc.StockGeneration != DrainGeneration) Drain(tc);
        // A handle, not an id: the thread's cached owner may be a released handle that shares its id with
        // the stock's (MemcgHooks.StaleOwner); switching to it fails and the caller resolves again.
        if (tc.StockObjcg != objcg && !SwitchTo(tc, objcg)) return ChargeResult.Dead;
        if (tc.Stock.Bytes < size)
        {
            ChargeResult refilled = Refill(tc, objcg, size - tc.Stock.Bytes, size, gfp);
            if (refilled != ChargeResult.Charged) return refilled;
        }
        tc.Stock.Bytes -= size;
        AddStat(tc, item, size);
        return ChargeResult.Charged;
    }

    /// <summary>
    /// refill_obj_stock's general path: the refund that <see cref="TryRefill"/> turned down (another
    /// owner, a drained stock, a full batch or a stat delta past a page). Correct for any refund; the
    /// allocator calls it straight after its own inlined <see cref="TryRefill"/> missed, so that the hit
    /// test is not run again on the way here.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void UnchargeSlow(ThreadContext tc, ObjCgroup objcg, long size, MemcgStatItem item)
    {
        if (tc.StockGeneration != DrainGeneration) Drain(tc);
        // The refunded bytes are pages pinning objcg, so it is alive and the pin cannot fail.
        if (tc.StockObjcg != objcg && !SwitchTo(tc, objcg))
            throw new InvalidOperationException($"Refund to released ObjCgroup {objcg.Id}: the owner id was refunded twice or corrupted.");
        tc.Stock.Bytes += size;
        AddStat(tc, item, -size);
        if (tc.Stock.Bytes > BatchBytes) Trim(tc);
    }

    /// <summary>
    /// drain_obj_stock: whole pages go back to the page counters, the sub-page rest to the ObjCgroup's
    /// leftover, the cached stat deltas to the cgroup; then the stock's pin is dropped. Runs on the
    /// owning thread, or in ThreadRegistry's exit handling once the owner has exited.
    /// </summary>
    public static void Drain(ThreadContext tc)
    {
        tc.StockGeneration = DrainGeneration;
        ObjCgroup? old = tc.StockObjcg;
        if (old is null) return;
        FlushAllStats(tc);
        long bytes = tc.Stock.Bytes;
        tc.StockObjcg = null;
        tc.StockObjcgId = NoStock;
        tc.Stock.Bytes = 0;

        long pages = bytes & ~PageMask;
        if (pages > 0) UnchargePages(old, pages);
        long rest = bytes & PageMask;
        if (rest > 0 && Interlocked.Add(ref old.NrChargedBytes, rest) >= PageSize)
            ReturnWholeLeftoverPages(old);
        old.Unpin(1);
    }

    // Stock switch: pin the new handle (obj_cgroup_get on cached_objcg) and take over its leftover bytes.
    private static bool SwitchTo(ThreadContext tc, ObjCgroup objcg)
    {
        Drain(tc);
        if (!objcg.TryPin(1)) return false;
        tc.StockObjcg = objcg;
        tc.StockObjcgId = objcg.Id;
        // The cached current owner may be a released handle whose id the new one reuses: make sure the
        // id test cannot take the one for the other (MemcgHooks.SetCurrentOwner keeps the same rule).
        if (tc.MemcgObjcgId == objcg.Id && tc.MemcgObjcg != objcg) tc.MemcgObjcgId = MemcgHooks.StaleOwner;
        tc.Stock.Bytes = Interlocked.Exchange(ref objcg.NrChargedBytes, 0);
        return true;
    }

    /// <summary>
    /// try_charge_memcg for the stock: a 64-page batch first; on refusal exactly the pages this request
    /// needs; then (unless Gfp.NoWait) the failure path: a "max" event at the refusing level, a drain
    /// request to every thread, one more try, an "oom" event; Gfp.NoFail finally forces the charge.
    /// </summary>
    private static ChargeResult Refill(ThreadContext tc, ObjCgroup objcg, long missing, long request, Gfp gfp)
    {
        long exact = (missing + PageMask) & ~PageMask;
        long batch = Math.Max(exact, BatchBytes);
        ChargeResult result = TryChargePages(objcg, batch, force: false, out PageCounter? failed, gfp);
        if (result == ChargeResult.Charged) { tc.Stock.Bytes += batch; return result; }
        if (result == ChargeResult.Dead) return result;

        if (batch > exact)
        {
            result = TryChargePages(objcg, exact, force: false, out failed, gfp);
            if (result != ChargeResult.Failed) { if (result == ChargeResult.Charged) tc.Stock.Bytes += exact; return result; }
        }

        if ((gfp & Gfp.NoWait) == 0)
        {
            failed!.Owner.RaiseEvent(MemcgEvent.Max);
            RequestDrainAll();
            Thread.Yield();
            result = TryChargePages(objcg, exact, force: false, out PageCounter? again, gfp);
            if (result != ChargeResult.Failed) { if (result == ChargeResult.Charged) tc.Stock.Bytes += exact; return result; }
            failed = again;
            failed!.Owner.RaiseEvent(MemcgEvent.Oom);
        }

        if ((gfp & Gfp.NoFail) != 0)
        {
            result = TryChargePages(objcg, exact, force: true, out _, gfp);
            if (result == ChargeResult.Charged) tc.Stock.Bytes += exact;
            return result;
        }

        tc.LastChargeFailure = new ChargeFailureInfo
        {
            Cgroup = failed!.Owner,
            Limit = failed.Max,
            Usage = failed.Usage,
            Request = request,
        };
        return ChargeResult.Failed;
    }

    // obj_cgroup_charge_pages: pin the handle for the pages, find its cgroup with css_tryget under RCU
    // (get_mem_cgroup_from_objcg), charge the counters from there to the root.
    private static ChargeResult TryChargePages(ObjCgroup objcg, long bytes, bool force, out PageCounter? failed, Gfp gfp)
    {
        failed = null;
        long pages = bytes >> PageShift;
        if (!objcg.TryPin(pages)) return ChargeResult.Dead;
        MemCgroup memcg = objcg.GetMemCgroup();
        try
        {
            if (force)
            {
                memcg.Counter.Charge(bytes);
            }
            else if (!memcg.TryChargeWithReclaim(bytes, gfp, out failed))
            {
                objcg.Unpin(pages);
                return ChargeResult.Failed;
            }
            memcg.CheckHigh();
            return ChargeResult.Charged;
        }
        finally
        {
            memcg.CssPut();
        }
    }

    // obj_cgroup_uncharge_pages: counters first, then the pins (the last pin may release the handle).
    private static void UnchargePages(ObjCgroup objcg, long bytes)
    {
        MemCgroup memcg = objcg.GetMemCgroup();
        memcg.Counter.Uncharge(bytes);
        memcg.CssPut();
        objcg.Unpin(bytes >> PageShift);
    }

    // A stock over the batch after refunds returns whole pages down to half a batch, so that an
    // alloc/free loop around the boundary does not refill and return on every call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Trim(ThreadContext tc)
    {
        long give = (tc.Stock.Bytes - BatchBytes / 2) & ~PageMask;
        tc.Stock.Bytes -= give;
        UnchargePages(tc.StockObjcg!, give);
    }

    // Whole pages that piled up in the leftover go back to the counters. Loops because another
    // thread's drain may add to the leftover while this one holds part of it.
    private static void ReturnWholeLeftoverPages(ObjCgroup objcg)
    {
        while (true)
        {
            long all = Interlocked.Exchange(ref objcg.NrChargedBytes, 0);
            long pages = all & ~PageMask;
            long rest = all & PageMask;
            // The rest stays covered by pages still pinned (objects + stocks + leftover always sum to
            // whole pages), so the pages may go first.
            if (pages > 0) UnchargePages(objcg, pages);
            if (rest == 0 || Interlocked.Add(ref objcg.NrChargedBytes, rest) < PageSize) return;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FlushStat(ThreadContext tc, MemcgStatItem item)
    {
        ref long cached = ref tc.Stock.Stat[(int)item];
        if (cached == 0) return;
        ObjCgroup? objcg = tc.StockObjcg;
        if (objcg is not null)
        {
            using var rcu = Rcu.ReadLock();
            objcg.MemCgroup.AddStat(item, cached);
        }
        cached = 0;
    }

    /// <summary>Writes out all cached memory.stat deltas of the calling thread (memory.stat reads call it).</summary>
    public static void FlushAllStats(ThreadContext tc)
    {
        for (int i = 0; i < MemcgStatItems.Count; i++) FlushStat(tc, (MemcgStatItem)i);
    }
}
