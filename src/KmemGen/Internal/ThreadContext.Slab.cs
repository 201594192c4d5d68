namespace KmemGen.Internal;

// The allocator's per-thread state: one CpuSlab per cache this thread has used (kmem_cache_cpu),
// indexed by cache id, plus the fault-injection countdowns. Only the owning thread writes these
// fields, except the reaper, which runs after the thread is gone.
internal sealed partial class ThreadContext
{
    /// <summary>This thread's per-cache state, indexed by <c>SlabCache</c> id; grown on first use of a cache.</summary>
    internal CpuSlab?[] SlabCpus = [];

    /// <summary>
    /// <see cref="FaultArmedBit"/> while any fault point is armed on this thread, else 0: the fast paths
    /// test this one field, ORed with gfp and the cache's hook word.
    /// </summary>
    internal int FaultArmed;
    /// <summary>Above every Gfp flag and SlabCache hook bit, so that the OR above stays unambiguous.</summary>
    internal const int FaultArmedBit = 1 << 30;
    internal int FailPageNth, FailSlabNth, FailOwnerVectorNth;

    private SlabThreadReaper? _slabReaper;

    internal void EnsureSlabReaper() => _slabReaper ??= new SlabThreadReaper(this);
}

/// <summary>
/// Returns a dead thread's cached objects: when the thread's context becomes unreachable, the finalizer
/// unfreezes every cpu slab it held (the kernel's slub_cpu_dead flushing a CPU that went offline).
/// </summary>
internal sealed class SlabThreadReaper(ThreadContext context)
{
    ~SlabThreadReaper()
    {
        foreach (CpuSlab? c in context.SlabCpus)
            c?.Cache.RetireCpuSlab(c);
        PageCache.DrainAll(context);
    }
}
