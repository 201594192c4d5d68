namespace KmemGen.Internal;

/// <summary>
/// Per-thread page caches (the kernel's per-CPU pcp lists, mm/page_alloc.c rmqueue_pcplist /
/// free_unref_page): small blocks a slab gives back stay with the thread that freed them, and a new slab
/// takes one without the zone lock. A thread's cache is refilled from, and drained to, the buddy
/// allocator <see cref="BatchPages"/> pages at a time under one lock acquisition, so the zone lock is
/// taken once per batch of slabs, never per slab. Cached blocks do not count as in use.
/// </summary>
internal static unsafe class PageCache
{
    /// <summary>PAGE_ALLOC_COSTLY_ORDER: larger blocks bypass the cache, as in the kernel.</summary>
    public const int MaxOrder = 3;
    /// <summary>pcp->high, in pages: above it, a batch goes back to the buddy allocator.</summary>
    public const int HighPages = 256;
    /// <summary>pcp->batch, in pages.</summary>
    public const int BatchPages = 64;

    private static int HighBlocks(int order) => Math.Max(2, HighPages >> order);
    private static int BatchBlocks(int order) => Math.Max(1, BatchPages >> order);

    /// <summary>A block of 2^order pages for <paramref name="kind"/>, from the thread's cache when it has one.</summary>
    public static PageDesc* Alloc(ThreadContext tc, int order, PageKind kind)
    {
        if (order > MaxOrder) return PageAllocator.Alloc(tc, order, kind);
        if (tc.FaultArmed != 0 && FaultInjection.ShouldFail(tc, FaultPoint.PageAlloc)) return null;
        if (tc.PageCacheHeads[order] == 0 && !Refill(tc, order)) return null;
        PageDesc* d = (PageDesc*)tc.PageCacheHeads[order];
        tc.PageCacheHeads[order] = (nint)d->Next;
        tc.PageCacheCounts[order]--;
        PageAllocator.MarkAllocated(d, order, kind);
        return d;
    }

    /// <summary>Gives a block back to the thread's cache; past the high mark a batch goes to the buddy allocator.</summary>
    public static void Free(ThreadContext tc, PageDesc* d)
    {
        int order = d->Order;
        if (order > MaxOrder)
        {
            PageAllocator.Free(d);
            return;
        }
        PageAllocator.MarkCached(d, order);
        d->Next = (PageDesc*)tc.PageCacheHeads[order];
        tc.PageCacheHeads[order] = (nint)d;
        if (++tc.PageCacheCounts[order] > HighBlocks(order)) Drain(tc, order, BatchBlocks(order));
    }

    /// <summary>Returns every cached block of the thread to the buddy allocator (thread exit, Shrink).</summary>
    public static void DrainAll(ThreadContext tc)
    {
        for (int o = 0; o <= MaxOrder; o++) Drain(tc, o, int.MaxValue);
    }

    private static bool Refill(ThreadContext tc, int order)
    {
        PageDesc* head = PageAllocator.AllocBatchToCache(order, BatchBlocks(order), out int got);
        if (got == 0) return false;
        tc.PageCacheHeads[order] = (nint)head;
        tc.PageCacheCounts[order] = got;
        return true;
    }

    // Drains the coldest blocks (the tail): the most recently freed ones are the likeliest in cache.
    private static void Drain(ThreadContext tc, int order, int count)
    {
        int keep = Math.Max(0, tc.PageCacheCounts[order] - count);
        PageDesc* head = (PageDesc*)tc.PageCacheHeads[order];
        if (head == null) return;
        PageDesc* drained;
        if (keep == 0)
        {
            drained = head;
            tc.PageCacheHeads[order] = 0;
        }
        else
        {
            PageDesc* last = head;
            for (int i = 1; i < keep; i++) last = last->Next;
            drained = last->Next;
            last->Next = null;
        }
        tc.PageCacheCounts[order] = keep;
        if (drained != null) PageAllocator.FreeBatchFromCache(drained);
    }
}
