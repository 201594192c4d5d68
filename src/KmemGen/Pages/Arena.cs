using System.Runtime.CompilerServices;

namespace KmemGen.Internal;

/// <summary>
/// Arena geometry. An arena is 8 MiB aligned to 8 MiB: masking any interior pointer gives the arena base,
/// where the page descriptors live (virt_to_page in O(1) with no lookup). The first 32 pages hold the
/// 2048 descriptors; the rest is handed to the buddy allocator, which leaves one whole order-10 block.
/// </summary>
internal static unsafe class Arena
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;
    public const int MaxOrder = 10;
    public const int ArenaShift = 23;
    public const nuint ArenaSize = (nuint)1 << ArenaShift;
    public const int PagesPerArena = 1 << (ArenaShift - PageShift);
    public static readonly int MetaPages = PagesPerArena * sizeof(PageDesc) / PageSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* BaseOf(void* p) => (byte*)((nuint)p & ~(ArenaSize - 1));

    /// <summary>virt_to_page: trusted pointers only (the arena must exist).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PageDesc* PageOf(void* p)
    {
        byte* b = BaseOf(p);
        return (PageDesc*)b + (((nuint)p - (nuint)b) >> PageShift);
    }

    /// <summary>page_address: the memory a descriptor describes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* AddressOf(PageDesc* d)
    {
        byte* b = BaseOf(d);
        // Unsigned: a pointer difference divides by sizeof(PageDesc) as a signed number, which costs
        // four instructions more than the shift (a descriptor is never below its arena's base).
        return b + (((nuint)d - (nuint)b) / (nuint)sizeof(PageDesc) << PageShift);
    }

    /// <summary>compound_head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PageDesc* HeadOf(PageDesc* d) => d->Kind == PageKind.Tail ? d - d->HeadOffset : d;

    /// <summary>get_order: the smallest order whose block holds <paramref name="bytes"/> (bytes &gt;= 1).</summary>
    public static int GetOrder(ulong bytes)
    {
        int order = 0;
        while (((ulong)PageSize << order) < bytes) order++;
        return order;
    }
}
