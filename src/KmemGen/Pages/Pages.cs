using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// Whole pages from the buddy allocator (alloc_pages / __free_pages): 2^order contiguous 4 KiB pages,
/// order 0..10. With <see cref="Gfp.Account"/> the block is charged to the current cgroup as kernel
/// memory and the owner is kept in the page descriptor, so whichever thread frees it refunds that owner.
/// </summary>
public static unsafe class Pages
{
    /// <summary>Largest order (4 MiB blocks).</summary>
    public const int MaxOrder = Arena.MaxOrder;

    /// <summary>Allocates 2^<paramref name="order"/> pages; throws OutOfMemoryException (or the cgroup's limit exception) on failure.</summary>
    public static void* Alloc(int order, Gfp gfp = Gfp.Kernel)
    {
        ThreadContext tc = ThreadContext.Current;
        void* p = AllocCore(tc, order, gfp, MemcgStatItem.Kernel, PageKind.Pages, out bool chargeFailed);
        if (p != null) return p;
        if (chargeFailed) throw MemcgHooks.ChargeFailure(tc, (long)Arena.PageSize << order);
        throw new OutOfMemoryException($"Pages.Alloc: no free block of order {order} ({(long)Arena.PageSize << order} bytes)");
    }

    /// <summary>Like <see cref="Alloc"/> but returns null on failure, with nothing charged.</summary>
    public static void* TryAlloc(int order, Gfp gfp = Gfp.Kernel)
    {
        ThreadContext tc = ThreadContext.Current;
        return AllocCore(tc, order, gfp, MemcgStatItem.Kernel, PageKind.Pages, out _);
    }

    /// <summary>Frees a block from <see cref="Alloc"/>; refunds the cgroup recorded for it. Null is a no-op.</summary>
    public static void Free(void* p)
    {
        if (p == null) return;
        PageDesc* d = PageAllocator.LookupHead(p);
        if (d == null || d->Kind != PageKind.Pages || Arena.AddressOf(d) != p)
            throw new ArgumentException($"Pages.Free: 0x{(nuint)p:x} is not the start of a block from Pages.Alloc", nameof(p));
        FreeCore(ThreadContext.Current, d);
    }

    /// <summary>Pages in use over the whole process (slabs, kmalloc and Pages blocks), for tests and diagnostics.</summary>
    internal static long InUse => PageAllocator.PagesInUse;

    internal static void* AllocCore(ThreadContext tc, int order, Gfp gfp, MemcgStatItem item, PageKind kind, out bool chargeFailed)
    {
        if ((uint)order > Arena.MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, $"page order must be 0..{Arena.MaxOrder}");
        chargeFailed = false;
        uint owner = MemcgHooks.NoOwner;
        int bytes = Arena.PageSize << order;
        // __memcg_kmem_charge_page: charge first, so a failure leaves no page behind.
        if ((gfp & Gfp.Account) != 0)
        {
            owner = MemcgHooks.ChargeObjects(tc, bytes, 1, item, gfp);
            if (owner == MemcgHooks.ChargeFailed)
            {
                chargeFailed = true;
                return null;
            }
        }
        PageDesc* d = PageAllocator.Alloc(tc, order, kind);
        if (d == null)
        {
            if (owner != MemcgHooks.NoOwner) MemcgHooks.UnchargeObject(tc, owner, bytes, item);
            return null;
        }
        d->Owner = owner;
        d->StatItem = (byte)item;
        byte* p = Arena.AddressOf(d);
        if ((gfp & Gfp.Zero) != 0) System.Runtime.InteropServices.NativeMemory.Clear(p, (nuint)bytes);
        return p;
    }

    internal static void FreeCore(ThreadContext tc, PageDesc* d)
    {
        uint owner = d->Owner;
        if (owner != MemcgHooks.NoOwner)
        {
            d->Owner = MemcgHooks.NoOwner;
            MemcgHooks.UnchargeObject(tc, owner, Arena.PageSize << d->Order, (MemcgStatItem)d->StatItem);
        }
        PageAllocator.Free(d);
    }
}
