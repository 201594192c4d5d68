using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// kmalloc/kfree. Requests up to 8 KiB (KMALLOC_MAX_CACHE_SIZE) go to the kernel's size classes
/// 8..8192 (with the odd 96 and 192); <see cref="Gfp.Account"/> requests go to the separate
/// kmalloc-cg-* caches (created with SLAB_ACCOUNT, as since 5.14) so charged and uncharged objects never
/// share a slab; larger requests take whole pages (kmalloc_large), charged as vmalloc. Size 0 returns
/// <see cref="ZeroSizePtr"/> (ZERO_SIZE_PTR): distinct, non-null, must not be dereferenced, free is a no-op.
/// </summary>
public static unsafe class Kmalloc
{
    /// <summary>ZERO_SIZE_PTR: what a zero-byte allocation returns.</summary>
    public static readonly void* ZeroSizePtr = (void*)16;

    /// <summary>KMALLOC_MAX_CACHE_SIZE: the largest size served by a slab cache.</summary>
    public const int MaxCacheSize = 8192;

    /// <summary>The largest request: one order-10 block (4 MiB).</summary>
    public const long MaxSize = (long)Arena.PageSize << Arena.MaxOrder;

    internal static readonly int[] SizeClasses = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

    private static readonly SlabCache?[] s_normal = new SlabCache?[SizeClasses.Length];
    private static readonly SlabCache?[] s_cg = new SlabCache?[SizeClasses.Length];
    private static readonly Lock s_createLock = new();

    public static void* Alloc(nuint size, Gfp gfp = Gfp.Kernel) => AllocCore(size, gfp, throwOnFailure: true);

    /// <summary>Null on failure (limit, memory), nothing charged. An impossible size still throws: it is a bug, not a shortage.</summary>
    public static void* TryAlloc(nuint size, Gfp gfp = Gfp.Kernel) => AllocCore(size, gfp, throwOnFailure: false);

    /// <summary>kfree: finds the cache (or page block) from the pointer alone. Null and ZeroSizePtr are no-ops.</summary>
    public static void Free(void* p)
    {
        if (p == null || p == ZeroSizePtr) return;
        PageDesc* d = PageAllocator.LookupHead(p);
        if (d != null && d->Kind == PageKind.Slab && SlabRegistry.Get(d->CacheId) is { } cache)
        {
            cache.Free(p);
            return;
        }
        if (d != null && d->Kind == PageKind.KmallocLarge && Arena.AddressOf(d) == p)
        {
            Pages.FreeCore(ThreadContext.Current, d);
            return;
        }
        throw new ArgumentException($"Kmalloc.Free: 0x{(nuint)p:x} was not returned by Kmalloc.Alloc", nameof(p));
    }

    /// <summary>kmalloc_index: which size class serves <paramref name="size"/> (1..8192).</summary>
    internal static int SizeIndex(nuint size)
    {
        if (size <= 8) return 0;
        if (size <= 16) return 1;
        if (size <= 32) return 2;
        if (size <= 64) return 3;
        if (size <= 96) return 4;
        if (size <= 128) return 5;
        if (size <= 192) return 6;
        if (size <= 256) return 7;
        if (size <= 512) return 8;
        if (size <= 1024) return 9;
        if (size <= 2048) return 10;
        if (size <= 4096) return 11;
        return 12;
    }

    /// <summary>The cache that serves a request, created on first use.</summary>
    internal static SlabCache CacheFor(nuint size, Gfp gfp)
    {
        int i = SizeIndex(size);
        bool cg = (gfp & Gfp.Account) != 0;
        SlabCache?[] table = cg ? s_cg : s_normal;
        return Volatile.Read(ref table[i]) ?? CreateCache(table, i, cg);
    }

    private static SlabCache CreateCache(SlabCache?[] table, int i, bool cg)
    {
        lock (s_createLock)
        {
            if (table[i] is { } existing) return existing;
            int size = SizeClasses[i];
            var cache = SlabCache.CreateCore(cg ? $"kmalloc-cg-{Name(size)}" : $"kmalloc-{Name(size)}", size,
                cg ? SlabFlags.Account : SlabFlags.None, 0, SlabLayout.CreateMinObjects(Environment.ProcessorCount), isKmalloc: true);
            Volatile.Write(ref table[i], cache);
            return cache;
        }
    }

    private static string Name(int size) => size >= 1024 ? $"{size / 1024}k" : size.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void* AllocCore(nuint size, Gfp gfp, bool throwOnFailure)
    {
        if (size == 0) return ZeroSizePtr;
        if (size <= MaxCacheSize)
        {
            SlabCache cache = CacheFor(size, gfp);
            // The cg cache charges by its own flag; Gfp.Account needs no second look there.
            return throwOnFailure ? cache.Alloc(gfp) : cache.TryAlloc(gfp);
        }
        if ((ulong)size > (ulong)MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size,
                $"Kmalloc: {size} bytes is more than the largest allocation, {MaxSize} bytes (one order-{Arena.MaxOrder} block)");
        }

        ThreadContext tc = ThreadContext.Current;
        int order = Arena.GetOrder(size);
        void* p = Pages.AllocCore(tc, order, gfp, MemcgStatItem.Vmalloc, PageKind.KmallocLarge, out bool chargeFailed);
        if (p != null || !throwOnFailure) return p;
        if (chargeFailed) throw MemcgHooks.ChargeFailure(tc, (long)Arena.PageSize << order);
        throw new OutOfMemoryException($"Kmalloc: no free block of order {order} for {size} bytes");
    }
}
