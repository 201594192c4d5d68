using System.Numerics;

namespace KmemGen.Internal;

/// <summary>
/// Where things sit inside a slot, and how many slots a slab has: mm/slub.c calculate_sizes() and
/// calculate_order()/calc_slab_order(), with slab_max_order = PAGE_ALLOC_COSTLY_ORDER (3),
/// slab_min_order = 0 and MAX_OBJS_PER_PAGE = 32767. See docs/allocator.md for the formula.
/// </summary>
internal readonly record struct SlabLayout(
    int ObjectSize, int Align, int Size, int FreePointerOffset, int ObjectOffset, int InUse,
    int RightRedZone, int Order, int Objects)
{
    public const int SlabMaxOrder = 3;
    public const int MaxObjsPerPage = 32767;
    private const int WordSize = 8;
    /// <summary>ARCH_SLAB_MINALIGN on x86-64: __alignof__(unsigned long long).</summary>
    private const int MinAlign = 8;

    /// <summary>The kernel's default min_objects: 4 * (fls(nr_cpus) + 1).</summary>
    public static int DefaultMinObjects(int cpus) => 4 * (Fls(Math.Max(cpus, 1)) + 1);

    /// <summary>
    /// The floor on min_objects for caches created without one: every slab a thread works through costs
    /// a refill, an arena lookup at the first free into it from outside the current slab, and a general-
    /// path free when it empties. At the kernel's 12 objects (16 per 4 KiB page at 256 B) that work was a
    /// quarter of the time per pair with thousands of live objects. And the fewer slabs a working set
    /// spans, the more of a thread's frees land in its current or remembered slab: a server loop over
    /// 1,000 live 64 B objects took 28 ns a step over 8 slabs of 128 and 18 ns over 2 of 512.
    /// slab_max_order (32 KiB) still bounds a slab, so objects above 64 B get fewer than this (128 B:
    /// 256, 256 B: 128; mimalloc's small pages are 64 KiB).
    /// </summary>
    public const int ThroughputMinObjects = 512;

    /// <summary>min_objects for a cache created without one: the kernel's default, at least <see cref="ThroughputMinObjects"/> (capped by slab_max_order).</summary>
    public static int CreateMinObjects(int cpus) => Math.Max(DefaultMinObjects(cpus), ThroughputMinObjects);

    /// <summary>fls: 1-based index of the highest set bit, 0 for 0.</summary>
    public static int Fls(int x) => x == 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)x);

    public static SlabLayout Compute(int objectSize, int align, SlabFlags debug, int minObjects)
    {
        // calculate_alignment(): at least ARCH_SLAB_MINALIGN, a multiple of the word size.
        align = Math.Max(align, MinAlign);
        align = AlignUp(align, WordSize);

        // Round to a word: the free pointer can only sit on a word boundary.
        int inUse = AlignUp(objectSize, WordSize);
        int size, fp, objOffset = 0, rightRz = 0;
        if (debug == SlabFlags.None)
        {
            // No debugging: the free pointer lives inside the free object, in the middle, so a small
            // overflow of the previous object does not hit it (SLUB since 5.7).
            fp = AlignDown(objectSize / 2, WordSize);
            size = inUse;
        }
        else
        {
            // Debug layout: [left red zone][object][right red zone][free pointer][state word].
            // The free pointer moves out of the object so poison can cover all of it.
            if ((debug & SlabFlags.RedZone) != 0)
            {
                objOffset = AlignUp(WordSize, align);   // red_left_pad
                rightRz = inUse - objectSize + WordSize;
            }
            fp = objOffset + objectSize + rightRz;
            fp = AlignUp(fp, WordSize);
            size = fp + 2 * WordSize;
        }
        size = AlignUp(size, align);
        int order = CalculateOrder(size, minObjects);
        int objects = (Arena.PageSize << order) / size;
        return new SlabLayout(objectSize, align, size, fp, objOffset, inUse, rightRz, order, objects);
    }

    /// <summary>calculate_order(): the slab order for slot size <paramref name="size"/>.</summary>
    public static int CalculateOrder(int size, int minObjects)
    {
        int maxObjects = Math.Max(OrderObjects(SlabMaxOrder, size), 1);
        minObjects = Math.Min(minObjects, maxObjects);
        int minOrder = Math.Max(0, Arena.GetOrder((ulong)minObjects * (ulong)size));
        if (OrderObjects(minOrder, size) > MaxObjsPerPage)
            return Arena.GetOrder((ulong)size * MaxObjsPerPage) - 1;

        // Accept at most 1/16 waste first, then 1/8, 1/4, 1/2 (the last accepts anything that fits).
        for (int fraction = 16; fraction > 1; fraction /= 2)
        {
            int order = CalcSlabOrder(size, minOrder, SlabMaxOrder, fraction);
            if (order <= SlabMaxOrder) return order;
        }
        // Does not fit within slab_max_order: one object in the smallest block that holds it.
        return Arena.GetOrder((ulong)size);
    }

    /// <summary>calc_slab_order(): the first order from min_order whose leftover is at most 1/fraction of the slab.</summary>
    public static int CalcSlabOrder(int size, int minOrder, int maxOrder, int fractLeftover)
    {
        int order;
        for (order = minOrder; order <= maxOrder; order++)
        {
            int slabSize = Arena.PageSize << order;
            int rem = slabSize % size;
            if (rem <= slabSize / fractLeftover) break;
        }
        return order;
    }

    /// <summary>order_objects().</summary>
    public static int OrderObjects(int order, int size) => (Arena.PageSize << order) / size;

    private static int AlignUp(int x, int a) => (x + a - 1) & ~(a - 1);
    private static int AlignDown(int x, int a) => x & ~(a - 1);
}
