using System.Runtime.InteropServices;

namespace KmemGen.Internal;

/// <summary>
/// One thread's state for one cache (kmem_cache_cpu): the slab it allocates from (its "current" slab,
/// frozen for it) and that slab's local free list, plus the thread's partial slabs (SLUB's cpu_partial):
/// slabs the thread owns that have free objects, and its full slabs. Only the owning thread reads or
/// writes Freelist and the partial and full lists, so the fast paths need no lock and no atomic; other
/// threads free into a slab's Remote list instead. Slab/SlabStart/SlabSpan/OwnerVec change only on the
/// owning thread, or under the cache lock once that thread is gone.
/// </summary>
/// <remarks>
/// Explicit layout with <see cref="Pad"/> bytes of nothing on each side of the fields: the kernel's
/// kmem_cache_cpu is per-CPU memory, but these are GC objects, and two threads' CpuSlabs (created
/// together, e.g. two workers starting on one cache) end up next to each other on the heap. Freelist,
/// Allocs and Frees are written on every alloc and free, so without the padding each thread would
/// invalidate the cache line (and, with the adjacent-line prefetcher, the line pair) the other
/// thread's fast path reads: false sharing. 128 bytes covers the 128-byte line pair.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = Pad + 176 + Pad)]
internal sealed unsafe class CpuSlab(SlabCache cache, ThreadContext context)
{
    private const int Pad = 128;

    [FieldOffset(Pad)] public void* Freelist;
    /// <summary>Objects this thread allocated / freed in this cache: their sums over threads are the live objects.</summary>
    [FieldOffset(Pad + 8)] public long Allocs;
    [FieldOffset(Pad + 16)] public long Frees;
    [FieldOffset(Pad + 24)] public byte* SlabStart;
    /// <summary>objects * slot size: a pointer p is in the current slab iff (p - SlabStart) &lt; SlabSpan, unsigned.</summary>
    [FieldOffset(Pad + 32)] public nuint SlabSpan;
    /// <summary>The current slab's owner vector; installed only by this thread while it holds the slab.</summary>
    [FieldOffset(Pad + 40)] public ushort* OwnerVec;
    [FieldOffset(Pad + 48)] public PageDesc* Slab;
    [FieldOffset(Pad + 56)] public readonly SlabCache Cache = cache;
    /// <summary>This thread's partial slabs: partially used ones first (oldest at the head), then the empty ones.</summary>
    [FieldOffset(Pad + 64)] public PageDesc* PartialHead;
    [FieldOffset(Pad + 72)] public PageDesc* PartialTail;
    [FieldOffset(Pad + 80)] public int PartialCount;
    /// <summary>Slabs on the partial list with no object in use.</summary>
    [FieldOffset(Pad + 84)] public int EmptyCount;
    /// <summary>The owning thread's id: what <see cref="PageDesc.Owner"/> holds for the slabs it owns.</summary>
    [FieldOffset(Pad + 88)] public readonly uint ThreadId = context.Id;
    /// <summary>Set under the cache lock once the thread is gone or the cache is destroyed.</summary>
    [FieldOffset(Pad + 92)] public bool Retired;
    /// <summary>
    /// The slab of this thread's partial list that the thread last freed into (or null), and its address
    /// range: a run of frees into one slab checks the range instead of resolving each pointer. It is
    /// always a slab on the partial list: taking it off the list clears it.
    /// </summary>
    [FieldOffset(Pad + 96)] public PageDesc* LastFreed;
    [FieldOffset(Pad + 104)] public byte* LastFreedStart;
    [FieldOffset(Pad + 112)] public nuint LastFreedSpan;
    /// <summary>The owning thread's context, whose per-cache array holds this (Dispose takes it out of there).</summary>
    [FieldOffset(Pad + 120)] public readonly ThreadContext Context = context;
    /// <summary>The first empty slab of the partial list (empty ones form its tail), or null.</summary>
    [FieldOffset(Pad + 128)] public PageDesc* FirstEmpty;
    /// <summary>
    /// This thread's full slabs, oldest first: they ran dry as its current slab and stay frozen for it, so
    /// its own frees into them are plain stores (mimalloc keeps a full page in its heap's full queue).
    /// </summary>
    [FieldOffset(Pad + 136)] public PageDesc* FullHead;
    [FieldOffset(Pad + 144)] public PageDesc* FullTail;
    [FieldOffset(Pad + 152)] public int FullCount;
    /// <summary>The cache's count of pushes into full slabs when this thread last found none in its own (SlabCache.CollectPushedFull).</summary>
    [FieldOffset(Pad + 160)] public long FullPushesSeen;
    /// <summary>
    /// <see cref="PageDesc.SlabKey"/> of this cache and thread: a slab whose key equals it is one this
    /// thread owns, so its free path takes the object with plain stores. 0 (no slab's key) once retired.
    /// </summary>
    [FieldOffset(Pad + 168)] public ulong OwnedKey = PageDesc.SlabKey(cache.Id, context.Id);

    /// <summary>Under the cache lock: the thread is gone or the cache destroyed; no slab is its any more.</summary>
    public void Retire()
    {
        Retired = true;
        OwnedKey = 0;
    }
}
