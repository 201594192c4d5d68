using System.Runtime.CompilerServices;
using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// A SLUB-style cache of fixed-size native objects. Each thread allocates from a slab it has frozen for
/// itself (kmem_cache_cpu), so the fast paths below take no lock and touch no shared atomic; frees from
/// other threads go to the slab's lock-free remote list; the slow paths (SlabCache.Slow.cs) move slabs
/// between threads, the partial list and the page allocator under the cache lock.
/// </summary>
public sealed unsafe partial class SlabCache : IDisposable
{
    // _allocHooks / _freeHooks: non-zero sends every call to the slow path. One predictable branch is
    // all the fast path pays for accounting, debugging and destruction.
    // HookAccount is Gfp.Account's bit, so "(gfp | hooks | fault) == HookAccount" reads "accounted (by
    // the cache or by gfp), and nothing else to do" in one compare on the inlined path.
    private const int HookAccount = (int)Gfp.Account, HookDebug = 2, HookDisposed = 4;

    private readonly int _id;
    private readonly int _size;
    private readonly int _fpOffset;
    private readonly int _objOffset;
    /// <summary>Lemire's magic for division by _size: index = mulhi(_divMagic, offset), exact for 32-bit offsets.</summary>
    private readonly ulong _divMagic;
    /// <summary>Clears the page-index bits below a slab's size: a page index masked with it is its slab's head.</summary>
    private readonly nuint _slabPageMask;
    private readonly SlabLayout _layout;
    private readonly SlabFlags _debug;
    private readonly bool _isKmalloc;
    private readonly MemcgStatItem _statItem;
    /// <summary>What one object charges (its object size, as ChargeOne charges it), read by the inlined hooks.</summary>
    private readonly long _chargeSize;
    private int _allocHooks;
    private int _freeHooks;
    private bool _accountOn;

    private SlabCache(string name, SlabLayout layout, SlabFlags flags, SlabFlags debug, bool isKmalloc)
    {
        Name = name;
        _layout = layout;
        _size = layout.Size;
        _fpOffset = layout.FreePointerOffset;
        _objOffset = layout.ObjectOffset;
        _divMagic = ulong.MaxValue / (ulong)layout.Size + 1;
        _slabPageMask = ~(((nuint)1 << layout.Order) - 1);
        Flags = flags | debug;
        _debug = debug;
        _isKmalloc = isKmalloc;
        _statItem = (flags & SlabFlags.Reclaimable) != 0 ? MemcgStatItem.SlabReclaimable : MemcgStatItem.SlabUnreclaimable;
        _accountOn = (flags & SlabFlags.Account) != 0;
        _chargeSize = layout.ObjectSize;
        _threadEmptyMax = Math.Max(ThreadEmptyMinSlabs, ThreadEmptyBytes / (Arena.PageSize << layout.Order));
        _freeHooks = debug != 0 ? HookDebug : 0;
        _allocHooks = _freeHooks | (_accountOn ? HookAccount : 0);
        _fpRandom = FreePointerRandom();
        _id = SlabRegistry.Register(this, out long sequence);
        Sequence = sequence;
    }

    /// <summary>kmem_cache_create. min_objects follows the CPU count, as in the kernel.</summary>
    public static SlabCache Create(string name, int objectSize, SlabFlags flags = SlabFlags.None, int align = 0) =>
        CreateCore(name, objectSize, flags, align, SlabLayout.CreateMinObjects(Environment.ProcessorCount), isKmalloc: false);

    /// <summary>kmem_cache_create with an explicit min_objects (the kernel's slab_min_objects= boot option).</summary>
    public static SlabCache Create(string name, int objectSize, SlabFlags flags, int align, int minObjects)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minObjects, 1);
        return CreateCore(name, objectSize, flags, align, minObjects, isKmalloc: false);
    }

    internal static SlabCache CreateCore(string name, int objectSize, SlabFlags flags, int align, int minObjects, bool isKmalloc)
    {
        SlabCacheNameRule.ThrowIfInvalid(name);
        if (objectSize < 1 || objectSize > Arena.PageSize << Arena.MaxOrder)
        {
            throw new ArgumentOutOfRangeException(nameof(objectSize), objectSize,
                $"slab cache '{name}': object size must be 1..{Arena.PageSize << Arena.MaxOrder} bytes");
        }

        if (align < 0 || align > Arena.PageSize || (align & (align - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(align), align,
                $"slab cache '{name}': alignment must be 0 or a power of two up to {Arena.PageSize}");
        }

        SlabFlags debug = (flags | SlubDebug.FromEnvironment()) & SlubDebug.DebugFlags;
        SlabLayout layout = SlabLayout.Compute(objectSize, align, debug, minObjects);
        if (layout.Order > Arena.MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(objectSize), objectSize, $"slab cache '{name}': objects too large for an order-{Arena.MaxOrder} slab");
        return new SlabCache(name, layout, flags & ~SlubDebug.DebugFlags, debug, isKmalloc);
    }

    public string Name { get; }
    public int ObjectSize => _layout.ObjectSize;
    public int ObjectsPerSlab => _layout.Objects;
    public int Order => _layout.Order;
    /// <summary>The slot size (object plus padding and debug metadata): slabinfo's objsize.</summary>
    public int SlotSize => _size;
    public int Align => _layout.Align;
    public SlabFlags Flags { get; }
    internal int Id => _id;
    /// <summary>Creation order over all caches ever created (ids are reused; this is not).</summary>
    internal long Sequence { get; }
    internal bool IsKmalloc => _isKmalloc;

    /// <summary>kmem_cache_alloc: an object, or an exception (cgroup limit, out of memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Alloc(Gfp gfp = Gfp.Kernel)
    {
        ThreadContext tc = ThreadContext.Current;
        void* obj = AllocFast(tc, gfp);
        return obj != null ? obj : AllocSlow(tc, gfp, throwOnFailure: true);
    }

    /// <summary>kmem_cache_alloc, kernel-style: null on failure, with nothing charged or leaked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* TryAlloc(Gfp gfp = Gfp.Kernel)
    {
        ThreadContext tc = ThreadContext.Current;
        void* obj = AllocFast(tc, gfp);
        return obj != null ? obj : AllocSlow(tc, gfp, throwOnFailure: false);
    }

    /// <summary>
    /// The inlined fast path (slab_alloc_node's lockless pop, plus memcg_slab_post_alloc_hook's stock
    /// hit for accounted allocations). Null means "take the slow path", never a failure: every miss
    /// (no cpu slab, empty free list, debug, Gfp.Zero, fault armed, no owner vector yet, stock miss)
    /// goes to AllocSlow, which also makes every decision about failing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void* AllocFast(ThreadContext tc, Gfp gfp)
    {
        CpuSlab?[] cpus = tc.SlabCpus;
        int id = _id;
        if ((uint)id < (uint)cpus.Length && cpus[id] is { } c)
        {
            byte* obj = (byte*)c.Freelist;
            if (obj != null)
            {
                int hooks = (int)gfp | _allocHooks | tc.FaultArmed;
                void* next = DecodeNext(obj);
                // A next pointer outside the slab goes to the slow path, which reports it.
                if (hooks == 0 && NextIsValid(c, next))
                {
                    c.Freelist = next;
                    c.Allocs++;
                    return obj;
                }
                // HookAccount and Gfp.Account are both bit 0: "accounted, and nothing else to do".
                if (hooks == HookAccount) return AllocAccounted(tc, c, obj);
            }
        }
        return null;
    }

    /// <summary>
    /// The accounted fast path after the pop is known possible: memcg_slab_post_alloc_hook's stock hit
    /// (consume_obj_stock) and the owner slot store, straight-line. A call of its own, not inlined into
    /// the caller's loop: inlined there, its locals pushed the JIT's CSE into its conservative mode, the
    /// [ThreadStatic] base stopped being hoisted out of loops, and unaccounted pairs got 2x slower too.
    /// Null on any miss, and AllocSlow, the one general path, takes over (root is not a miss: nothing is
    /// charged).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocAccounted(ThreadContext tc, CpuSlab c, byte* obj)
    {
        uint owner = MemcgHooks.CurrentOwner(tc);
        ushort* vec = c.OwnerVec;
        void* next = DecodeNext(obj);
        if (!NextIsValid(c, next)) return null;
        if (owner != MemcgHooks.NoOwner && (vec == null || !MemcgHooks.TryConsumeStock(tc, owner, _chargeSize, _statItem)))
            return null;
        c.Freelist = next;
        c.Allocs++;
        // At the root nothing is charged, and the slot of a free object is already NoOwner.
        if (owner != MemcgHooks.NoOwner) vec[(int)SlotOfOffset((ulong)(obj - c.SlabStart))] = (ushort)owner;
        return obj;
    }

    /// <summary>
    /// kmem_cache_free: refunds the cgroup recorded for the object, whoever calls. A pointer that is not
    /// an object of this cache throws ArgumentException and changes nothing. Null is a no-op.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(void* obj)
    {
        ThreadContext tc = ThreadContext.Current;
        CpuSlab?[] cpus = tc.SlabCpus;
        int id = _id;
        if ((uint)id < (uint)cpus.Length && cpus[id] is { } c && _freeHooks == 0)
        {
            // In this thread's frozen slab: push on the local free list (do_slab_free fast path).
            nuint off = (nuint)obj - (nuint)c.SlabStart;
            if (off < c.SlabSpan)
            {
                ulong idx = SlotOfOffset(off);
                // The head of the free list is already free: a double free, which the slow path reports.
                if (idx * (ulong)_size == off && obj != c.Freelist)
                {
                    ushort* vec = c.OwnerVec;
                    if (vec != null)
                    {
                        // memcg_slab_free_hook: read and clear the owner slot, refund into this
                        // thread's stock when it caches that owner; any other case goes the slow way.
                        ushort* slotOwner = vec + idx;
                        uint owner = *slotOwner;
                        if (owner != MemcgHooks.NoOwner)
                        {
                            if (!MemcgHooks.TryRefillStock(tc, owner, _chargeSize, _statItem))
                            {
                                FreeOwnedLocal(tc, c, (byte*)obj);
                                return;
                            }
                            *slotOwner = (ushort)MemcgHooks.NoOwner;
                        }
                    }
                    EncodeNext((byte*)obj, c.Freelist);
                    c.Freelist = obj;
                    c.Frees++;
                    return;
                }
            }
            else
            {
                // Not the current slab: most often another slab this thread owns (SlabCache.Free.cs).
                FreeNotCurrent(tc, c, obj);
                return;
            }
        }
        FreeSlow(tc, obj);
    }

    /// <summary>The 2007 per-cache switch (cache_account): every object allocated while on is charged.</summary>
    public bool Account
    {
        get => Volatile.Read(ref _accountOn);
        set => SetAccount(value);
    }
}
