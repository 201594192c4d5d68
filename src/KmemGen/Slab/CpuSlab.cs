namespace KmemGen.Internal;

/// <summary>
/// One thread's state for one cache (kmem_cache_cpu): the slab it has frozen and that slab's local free
/// list. Only the owning thread reads or writes Freelist, so the fast paths need no lock and no atomic.
/// Other threads free into the slab's Remote list instead. Slab/SlabStart/SlabSpan/OwnerVec change only
/// under the cache lock or on the owning thread's slow path.
/// </summary>
internal sealed unsafe class CpuSlab(SlabCache cache)
{
    public readonly SlabCache Cache = cache;
    public void* Freelist;
    public PageDesc* Slab;
    public byte* SlabStart;
    /// <summary>objects * slot size: a pointer p is in the frozen slab iff (p - SlabStart) &lt; SlabSpan, unsigned.</summary>
    public nuint SlabSpan;
    /// <summary>The frozen slab's owner vector; installed only by this thread while it holds the slab.</summary>
    public uint* OwnerVec;
    /// <summary>Objects this thread allocated / freed in this cache: their sums over threads are the live objects.</summary>
    public long Allocs, Frees;
    /// <summary>Set under the cache lock once the thread is gone or the cache is destroyed.</summary>
    public bool Retired;
}
