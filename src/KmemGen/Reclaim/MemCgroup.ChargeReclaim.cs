using System.Runtime.CompilerServices;
using KmemGen.Internal;

namespace KmemGen;

// try_charge_memcg's reclaim: what a charge does when memory.max refuses it, and after it left a
// cgroup above memory.high. Called by the stock refill (ObjStock.TryChargePages) in place of the bare
// page-counter charge; the stock-hit fast path never comes here.
public sealed partial class MemCgroup
{
    /// <summary>PAGE_ALLOC_COSTLY_ORDER pages: requests up to this size keep retrying while reclaim makes progress.</summary>
    private const long CostlyBytes = 8 * ObjStock.PageSize;

    /// <summary>
    /// Charges <paramref name="bytes"/> (whole pages) to this cgroup and its ancestors. When a memory.max on the
    /// way refuses, a charge that may block reclaims from the refusing cgroup's subtree and retries, up to
    /// MAX_RECLAIM_RETRIES times without progress (once more after asking every stock to drain), before it
    /// returns false with <paramref name="failed"/> naming the level that refused. A charge that succeeds
    /// after reclaim counts a "max" event there (a charge that fails leaves the "max" and "oom" events to
    /// the caller, so one charge counts one). After success, a charge that left some level above
    /// memory.high pays for it (<see cref="HandleOverHigh"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryChargeWithReclaim(long bytes, Gfp gfp, out PageCounter? failed)
    {
        if (Counter.TryCharge(bytes, out failed))
        {
            // Zero cost while no cgroup anywhere has a memory.high: one read of a global count.
            if (Volatile.Read(ref s_highLimited) != 0) AfterChargeOverHigh(bytes, gfp);
            return true;
        }
        return ReclaimAndRetry(bytes, gfp, ref failed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ReclaimAndRetry(long bytes, Gfp gfp, ref PageCounter? failed)
    {
        if (!MayReclaimInline(gfp) || ShrinkerRegistry.Snapshot.Length == 0) return false;
        PageCounter over = failed!;
        // The stock asks for a 64-page batch first and, when refused, for exactly what it needs:
        // reclaiming for the batch while the exact request fits would free memory nobody asked for.
        if (bytes == ObjStock.BatchBytes && over.Max - over.Usage >= ObjStock.PageSize) return false;

        int retries = ReclaimDriver.MaxReclaimRetries;
        bool drained = false;
        // Progress-driven retries are the kernel's; the overall cap is ours, so that charges racing
        // each other for freed memory cannot keep one thread here indefinitely.
        for (int round = 0; round < 4 * ReclaimDriver.MaxReclaimRetries; round++)
        {
            MemCgroup target = over.Owner;
            bool sawFreeable = false;
            long reclaimed = ReclaimWorker.Run(() => ReclaimWorker.TryToFreeOnline(target, bytes, out sawFreeable));
            if (Counter.TryCharge(bytes, out failed))
            {
                target.RaiseEvent(MemcgEvent.Max);
                if (Volatile.Read(ref s_highLimited) != 0) AfterChargeOverHigh(bytes, gfp);
                return true;
            }
            over = failed!;
            if (!drained)
            {
                // drain_all_stock: bytes other threads hold pre-charged may be what is missing.
                ObjStock.RequestDrainAll();
                drained = true;
                continue;
            }
            if (reclaimed > 0 && bytes <= CostlyBytes) continue;
            // Ours: nothing in the subtree is reclaimable at all, so more passes cannot help.
            if (!sawFreeable || retries-- == 0) break;
        }
        return false;
    }

    // gfpflags_allow_blocking, and not from inside reclaim (PF_MEMALLOC) or an RCU read section
    // (waiting there would stall every grace period).
    private static bool MayReclaimInline(Gfp gfp)
    {
        if ((gfp & Gfp.NoWait) != 0 || ReclaimWorker.IsCurrentThread) return false;
        RcuReader? reader = ThreadContext.Current.RcuReader;
        return reader is null || reader.Nesting == 0;
    }

    // Set when AfterChargeOverHigh counted this charge's "high" events, so that CheckHigh, which the
    // stock calls right after the charge (and after the reclaim brought usage back under high), does
    // not count them again or miss them.
    [ThreadStatic] private static bool s_highCounted;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AfterChargeOverHigh(long bytes, Gfp gfp)
    {
        if (FirstOverHigh() is null) return;
        RaiseHighEvents();
        s_highCounted = true;
        if (MayReclaimInline(gfp) && !Thread.CurrentThread.IsThreadPoolThread)
        {
            HandleOverHigh(bytes);
            return;
        }
        // A charge that must not block, or one on a thread-pool thread: the reclaim is queued to the
        // reclaim thread (memcg high_work) and nobody sleeps; async callers pay the throttle with
        // ThrottleAsync.
        QueueHighWork();
    }

    // Separate so that the lambda's closure is allocated only when work is queued, not on every call
    // of the method above (the compiler allocates a method-scope closure on entry).
    private void QueueHighWork()
    {
        MemCgroup memcg = this;
        ReclaimWorker.Queue(() => ReclaimHigh(memcg, ObjStock.BatchBytes));
    }
}
