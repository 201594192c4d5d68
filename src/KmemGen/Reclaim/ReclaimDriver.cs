namespace KmemGen.Internal;

/// <summary>
/// try_to_free_mem_cgroup_pages over shrinkers: walks the target's subtree (shrink_node_memcgs) at falling
/// priorities (do_try_to_free_pages, DEF_PRIORITY 12 down to 0), skips cgroups under their effective
/// memory.min, skips cgroups under their effective memory.low unless a whole pass found nothing else (then
/// it retries with low protection off and counts a "low" event at each cgroup it reclaims from), and asks
/// every registered shrinker for the cgroup's own objects (shrink_slab / do_shrink_slab).
/// </summary>
/// <remarks>
/// Reclaimed bytes are measured as the drop of the target's memory.current, after the reclaiming thread
/// drained its own stock (the shrinkers' frees refund into it). A concurrent charge in the subtree makes
/// the measure smaller than the bytes freed; the kernel's memory.reclaim has the same blind spot for pages
/// faulted back in. Must run on the reclaim thread or a thread that is not inside the allocator: the
/// shrinkers' frees use the calling thread's stock.
/// </remarks>
internal static class ReclaimDriver
{
    /// <summary>MAX_RECLAIM_RETRIES.</summary>
    public const int MaxReclaimRetries = 16;
    /// <summary>DEF_PRIORITY: the first pass scans 1/4096 of each list (times 4 / seeks).</summary>
    public const int DefPriority = 12;
    /// <summary>SWAP_CLUSTER_MAX pages: the least one reclaim call aims for.</summary>
    public const long SwapClusterBytes = 32 * ObjStock.PageSize;

    private static long s_shrinkerFailures;

    /// <summary>Shrinker calls that threw, over all shrinkers (each shrinker counts its own in <see cref="Shrinker.Failures"/>).</summary>
    public static long ShrinkerFailures => Volatile.Read(ref s_shrinkerFailures);

    /// <summary>Reclaims at least <paramref name="bytes"/> (at least SWAP_CLUSTER_MAX pages) from <paramref name="target"/>'s subtree if it can; returns the bytes reclaimed.</summary>
    public static long TryToFree(MemCgroup target, long bytes) => TryToFree(target, bytes, out _);

    /// <summary>
    /// As <see cref="TryToFree(MemCgroup, long)"/>; <paramref name="sawFreeable"/> is false when no shrinker
    /// counted a single freeable object in the subtree (callers then stop retrying: nothing can come of it).
    /// </summary>
    public static long TryToFree(MemCgroup target, long bytes, out bool sawFreeable)
    {
        long goal = Math.Max(bytes, SwapClusterBytes);
        long reclaimed = 0;
        bool lowReclaim = false;
        var pass = new Pass();
        while (true)
        {
            for (int priority = DefPriority; priority >= 0 && reclaimed < goal; priority--)
                reclaimed += ShrinkSubtree(target, priority, lowReclaim, goal - reclaimed, pass);
            // do_try_to_free_pages: a pass that only found protected cgroups retries with low off.
            if (reclaimed > 0 || !pass.LowSkipped || lowReclaim)
            {
                sawFreeable = pass.SawFreeable;
                return reclaimed;
            }
            lowReclaim = true;
            pass.LowSkipped = false;
        }
    }

    // What one reclaim call saw across its priorities.
    private sealed class Pass
    {
        public bool LowSkipped;
        public bool SawFreeable;
    }

    // shrink_node_memcgs: the target and its descendants, parents first (protection needs the parent's).
    private static long ShrinkSubtree(MemCgroup target, int priority, bool lowReclaim, long goal, Pass pass)
    {
        long reclaimed = 0;
        foreach (MemCgroup memcg in PreOrder(target))
        {
            memcg.CalculateProtection(target);
            if (memcg.BelowMin(target)) continue;
            if (memcg.BelowLow(target))
            {
                if (!lowReclaim)
                {
                    pass.LowSkipped = true;
                    pass.SawFreeable = true;
                    continue;
                }
                memcg.RaiseEvent(MemcgEvent.Low);
            }
            reclaimed += ShrinkSlab(target, memcg, priority, memcg.Protection(target, lowReclaim), pass);
            if (reclaimed >= goal) break;
        }
        return reclaimed;
    }

    // shrink_slab for one cgroup: every registered shrinker, with the kernel's scan arithmetic.
    private static long ShrinkSlab(MemCgroup target, MemCgroup memcg, int priority, long protection, Pass pass)
    {
        if (!memcg.TryEnterShrink()) return 0;
        long before = target.Usage;
        try
        {
            var sc = new ShrinkControl(memcg);
            foreach (Shrinker shrinker in ShrinkerRegistry.Snapshot)
            {
                if (!shrinker.TryBeginCall()) continue;
                try
                {
                    if (DoShrink(shrinker, sc, memcg, priority, protection)) pass.SawFreeable = true;
                }
                catch (Exception e)
                {
                    shrinker.RecordFailure(e);
                    Interlocked.Increment(ref s_shrinkerFailures);
                }
                finally
                {
                    shrinker.EndCall();
                }
            }
        }
        finally
        {
            memcg.ExitShrink();
        }
        // The frees refunded into this thread's stock; return those pages so memory.current shows them.
        ObjStock.DrainCurrentThread();
        return Math.Max(0, before - target.Usage);
    }

    // do_shrink_slab; true when the shrinker had something freeable. The scan target is the cgroup's freeable count reduced by its protection the way
    // get_scan_count reduces an LRU (proportional protection), shifted by priority and scaled by 4/seeks,
    // then scanned in batches. KmemGen keeps no deferred count (nr_deferred): work a pass skips is not
    // carried to the next call.
    private static bool DoShrink(Shrinker shrinker, ShrinkControl sc, MemCgroup memcg, int priority, long protection)
    {
        sc.NrToScan = 0;
        sc.NrScanned = 0;
        long freeable = shrinker.CountObjects(sc);
        if (freeable <= 0) return false;
        if (protection > 0)
        {
            long size = Math.Max(memcg.Usage, protection);
            long scan = freeable - (long)((Int128)freeable * protection / (size + 1));
            freeable = Math.Max(scan, Math.Min(freeable, 32));
        }
        long totalScan = (freeable >> priority) * 4 / shrinker.Seeks;
        totalScan = Math.Min(totalScan, 2 * freeable);
        long batch = shrinker.BatchSize;
        long scannedAll = 0, freedAll = 0;
        while (totalScan >= batch || (totalScan > 0 && totalScan >= freeable))
        {
            long n = Math.Min(batch, totalScan);
            sc.NrToScan = n;
            sc.NrScanned = n;
            long freed = shrinker.ScanObjects(sc);
            if (freed == Shrinker.ShrinkStop) break;
            if (freed < 0)
                throw new InvalidOperationException($"Shrinker '{shrinker.Name}' returned {freed} from ScanObjects (objects freed, or ShrinkStop).");
            long scanned = Math.Max(1, sc.NrScanned);
            freedAll += freed;
            scannedAll += scanned;
            totalScan -= scanned;
            if (freed == 0 && sc.NrScanned == 0) break;
        }
        memcg.CountReclaim(scannedAll, freedAll);
        return true;
    }

    // A snapshot of the online subtree, parents before children (mem_cgroup_iter's order).
    private static List<MemCgroup> PreOrder(MemCgroup target)
    {
        var order = new List<MemCgroup>();
        var stack = new Stack<MemCgroup>();
        stack.Push(target);
        while (stack.Count > 0)
        {
            MemCgroup m = stack.Pop();
            if (!m.IsOnline) continue;
            order.Add(m);
            IReadOnlyList<MemCgroup> children = m.Children;
            for (int i = children.Count - 1; i >= 0; i--) stack.Push(children[i]);
        }
        return order;
    }
}
