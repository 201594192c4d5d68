using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KmemGen.Internal;

/// <summary>
/// The buddy allocator (mm/page_alloc.c, one zone): free lists per order 0..10 over all arenas, split on
/// allocation, merge with the buddy on free, a new arena when no block is big enough, and an arena given
/// back to the OS as soon as none of its pages is in use. Slabs come here through their thread's page
/// cache (PageCache.cs), a batch at a time, so one lock (zone-&gt;lock) is enough. Lock order: a cache lock may be held when this lock is
/// taken, never the other way round.
/// </summary>
internal static unsafe class PageAllocator
{
    private static readonly Lock s_lock = new();
    private static readonly nint[] s_freeHeads = new nint[Arena.MaxOrder + 1];
    private static long s_pagesInUse;
    private static int s_arenas;
    /// <summary>An arena with no page in use that is kept mapped, or null (under s_lock).</summary>
    private static byte* s_spare;

    /// <summary>Pages handed out and not yet freed, over all arenas (descriptor pages not counted).</summary>
    public static long PagesInUse => Volatile.Read(ref s_pagesInUse);

    /// <summary>Arenas currently held from the OS.</summary>
    public static int ArenaCount => Volatile.Read(ref s_arenas);

    /// <summary>Allocates 2^order pages and marks them <paramref name="kind"/>; null when memory (or fault injection) says no.</summary>
    public static PageDesc* Alloc(ThreadContext tc, int order, PageKind kind)
    {
        if (tc.FaultArmed != 0 && FaultInjection.ShouldFail(tc, FaultPoint.PageAlloc)) return null;
        PageDesc* d;
        lock (s_lock)
        {
            d = TakeBlockLocked(order);
            if (d == null) return null;
        }
        MarkAllocated(d, order, kind);
        return d;
    }

    /// <summary>
    /// Up to <paramref name="count"/> blocks of 2^order pages for a thread's page cache, linked through
    /// Next, under one lock acquisition (rmqueue_bulk). The pages count in their arena (it stays mapped)
    /// but not in <see cref="PagesInUse"/> until <see cref="MarkAllocated"/>.
    /// </summary>
    public static PageDesc* AllocBatchToCache(int order, int count, out int got)
    {
        PageDesc* head = null;
        got = 0;
        lock (s_lock)
        {
            for (; got < count; got++)
            {
                PageDesc* d = TakeBlockLocked(order);
                if (d == null) break;
                d->Kind = PageKind.Cached;
                d->Order = (byte)order;
                d->Next = head;
                head = d;
            }
        }
        return head;
    }

    /// <summary>Gives a list of cached blocks (linked through Next) back to the buddy allocator under one lock acquisition.</summary>
    public static void FreeBatchFromCache(PageDesc* head)
    {
        lock (s_lock)
        {
            while (head != null)
            {
                PageDesc* next = head->Next;
                FreeBlockLocked(head);
                head = next;
            }
        }
    }

    /// <summary>A block leaves a page cache for a user: its descriptors are set up and it counts as in use.</summary>
    public static void MarkAllocated(PageDesc* d, int order, PageKind kind)
    {
        int n = 1 << order;
        *d = default;
        d->Kind = kind;
        d->Order = (byte)order;
        for (int i = 1; i < n; i++)
        {
            d[i] = default;
            d[i].Kind = PageKind.Tail;
            d[i].HeadOffset = i;
        }
        Interlocked.Add(ref s_pagesInUse, n);
    }

    /// <summary>A block goes into a page cache: it stops counting as in use, and no pointer into it resolves to a slab.</summary>
    public static void MarkCached(PageDesc* d, int order)
    {
        *d = default;
        d->Kind = PageKind.Cached;
        d->Order = (byte)order;
        Interlocked.Add(ref s_pagesInUse, -(1 << order));
    }

    /// <summary>Frees the block headed by <paramref name="d"/> (a head returned by <see cref="Alloc"/>).</summary>
    public static void Free(PageDesc* d)
    {
        Interlocked.Add(ref s_pagesInUse, -(1 << d->Order));
        lock (s_lock) FreeBlockLocked(d);
    }

    /// <summary>A free block of exactly 2^order pages, split from a larger one if need be; a new arena when none is left.</summary>
    private static PageDesc* TakeBlockLocked(int order)
    {
        AssertLocked();
        int o = FirstNonEmpty(order);
        if (o < 0)
        {
            if (!GrowLocked()) return null;
            o = FirstNonEmpty(order);
        }
        PageDesc* d = (PageDesc*)s_freeHeads[o];
        Unlink(d, o);
        // expand(): keep the lower half, give the upper halves back at decreasing orders.
        while (o > order)
        {
            o--;
            PushFree(d + (1 << o), o);
        }
        d->Kind = PageKind.Unused;
        d->Order = (byte)order;
        PageDesc* meta = ArenaMeta(d);
        if ((byte*)meta == s_spare) s_spare = null;
        meta->InUse += 1 << order;
        return d;
    }

    private static void FreeBlockLocked(PageDesc* d)
    {
        AssertLocked();
        int order = d->Order;
        int n = 1 << order;
        PageDesc* descs = (PageDesc*)Arena.BaseOf(d);
        for (int i = 0; i < n; i++) d[i] = default;
        PageDesc* meta = ArenaMeta(d);
        meta->InUse -= n;
        System.Diagnostics.Debug.Assert(meta->InUse >= 0, "arena pages in use went negative");

        // __free_one_page: merge with the buddy while it is a free block of the same order.
        int idx = (int)(d - descs);
        int o = order;
        while (o < Arena.MaxOrder)
        {
            int buddyIdx = idx ^ (1 << o);
            PageDesc* buddy = descs + buddyIdx;
            if (buddy->Kind != PageKind.Free || buddy->Order != o) break;
            Unlink(buddy, o);
            buddy->Kind = PageKind.Unused;
            idx &= ~(1 << o);
            o++;
        }
        PushFree(descs + idx, o);

        if (meta->InUse == 0)
        {
            // Keep one empty arena mapped: a workload that frees all its objects and allocates them again
            // would otherwise unmap and map (and page-fault) 8 MiB every round.
            if (s_spare == null) s_spare = (byte*)descs;
            else if (s_spare != (byte*)descs) ReleaseArenaLocked((byte*)descs);
        }
    }

    /// <summary>Gives the empty arena kept as a spare back to the OS, if there is one (tests, and memory pressure).</summary>
    public static void ReleaseSpareArena()
    {
        lock (s_lock)
        {
            if (s_spare == null) return;
            ReleaseArenaLocked(s_spare);
            s_spare = null;
        }
    }

    /// <summary>lockdep_assert_held(&amp;zone->lock).</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    private static void AssertLocked() => System.Diagnostics.Debug.Assert(s_lock.IsHeldByCurrentThread, "the page allocator lock must be held");

    /// <summary>
    /// The head descriptor for a pointer of unknown origin, or null when it is not inside a live arena's
    /// page area. Reads nothing through the pointer before the arena is known to exist.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PageDesc* LookupHead(void* p)
    {
        byte* b = Arena.BaseOf(p);
        if (b == null || !ArenaTable.Contains((nuint)b)) return null;
        nuint idx = ((nuint)p - (nuint)b) >> Arena.PageShift;
        if (idx < (nuint)Arena.MetaPages) return null;
        return Arena.HeadOf((PageDesc*)b + idx);
    }

    private static PageDesc* ArenaMeta(PageDesc* d) => (PageDesc*)Arena.BaseOf(d);

    private static int FirstNonEmpty(int order)
    {
        for (int o = order; o <= Arena.MaxOrder; o++)
            if (s_freeHeads[o] != 0) return o;
        return -1;
    }

    private static bool GrowLocked()
    {
        AssertLocked();
        byte* b;
        try
        {
            b = (byte*)NativeMemory.AlignedAlloc(Arena.ArenaSize, Arena.ArenaSize);
        }
        catch (OutOfMemoryException)
        {
            return false;
        }
        PageDesc* descs = (PageDesc*)b;
        NativeMemory.Clear(descs, (nuint)(Arena.PagesPerArena * sizeof(PageDesc)));
        for (int i = 0; i < Arena.MetaPages; i++) descs[i].Kind = PageKind.Meta;
        // Hand the non-descriptor pages to the free lists in the largest aligned blocks they form.
        int p = Arena.MetaPages;
        while (p < Arena.PagesPerArena)
        {
            int o = Math.Min(System.Numerics.BitOperations.TrailingZeroCount(p), Arena.MaxOrder);
            while (p + (1 << o) > Arena.PagesPerArena) o--;
            PushFree(descs + p, o);
            p += 1 << o;
        }
        ArenaTable.Add((nuint)b);
        s_arenas++;
        return true;
    }

    private static void ReleaseArenaLocked(byte* b)
    {
        AssertLocked();
        PageDesc* descs = (PageDesc*)b;
        int p = Arena.MetaPages;
        while (p < Arena.PagesPerArena)
        {
            int o = descs[p].Order;
            Unlink(descs + p, o);
            p += 1 << o;
        }
        ArenaTable.Remove((nuint)b);
        s_arenas--;
        NativeMemory.AlignedFree(b);
    }

    private static void PushFree(PageDesc* d, int o)
    {
        d->Kind = PageKind.Free;
        d->Order = (byte)o;
        d->Prev = null;
        d->Next = (PageDesc*)s_freeHeads[o];
        if (d->Next != null) d->Next->Prev = d;
        s_freeHeads[o] = (nint)d;
    }

    private static void Unlink(PageDesc* d, int o)
    {
        if (d->Prev != null) d->Prev->Next = d->Next;
        else s_freeHeads[o] = (nint)d->Next;
        if (d->Next != null) d->Next->Prev = d->Prev;
        d->Next = d->Prev = null;
    }
}
