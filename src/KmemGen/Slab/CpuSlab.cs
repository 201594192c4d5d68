using System.Runtime.InteropServices;

namespace KmemGen.Internal;

/// <summary>
/// One thread's state for one cache (kmem_cache_cpu): the slab it has frozen and that slab's local free
/// list. Only the owning thread reads or writes Freelist, so the fast paths need no lock and no atomic.
/// Other threads free into the slab's Remote list instead. Slab/SlabStart/SlabSpan/OwnerVec change only
/// under the cache lock or on the owning thread's slow path.
/// </summary>
/// <remarks>
/// Explicit layout with <see cref="Pad"/> bytes of nothing on each side of the fields: the kernel's
/// kmem_cache_cpu is per-CPU memory, but these are GC objects, and two threads' CpuSlabs (created
/// together, e.g. two workers starting on one cache) end up next to each other on the heap. Freelist,
/// Allocs and Frees are written on every alloc and free, so without the padding each thread would
/// invalidate the cache line (and, with the adjacent-line prefetcher, the line pair) the other
/// thread's fast path reads: false sharing. 128 bytes covers the 128-byte line pair.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = Pad + 72 + Pad)]
internal sealed unsafe class CpuSlab(SlabCache cache)
{
    private const int Pad = 128;

    [FieldOffset(Pad)] public void* Freelist;
    /// <summary>Objects this thread allocated / freed in this cache: their sums over threads are the live objects.</summary>
    [FieldOffset(Pad + 8)] public long Allocs;
    [FieldOffset(Pad + 16)] public long Frees;
    [FieldOffset(Pad + 24)] public byte* SlabStart;
    /// <summary>objects * slot size: a pointer p is in the frozen slab iff (p - SlabStart) &lt; SlabSpan, unsigned.</summary>
    [FieldOffset(Pad + 32)] public nuint SlabSpan;
    /// <summary>The frozen slab's owner vector; installed only by this thread while it holds the slab.</summary>
    [FieldOffset(Pad + 40)] public uint* OwnerVec;
    [FieldOffset(Pad + 48)] public PageDesc* Slab;
    [FieldOffset(Pad + 56)] public readonly SlabCache Cache = cache;
    /// <summary>Set under the cache lock once the thread is gone or the cache is destroyed.</summary>
    [FieldOffset(Pad + 64)] public bool Retired;
}
