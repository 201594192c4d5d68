namespace KmemGen.Internal;

// The allocator's per-thread state: one CpuSlab per cache this thread has used (kmem_cache_cpu),
// indexed by cache id, plus the fault-injection countdowns. Only the owning thread writes these
// fields, except ThreadRegistry's exit handling, which runs after the thread is gone.
internal sealed partial class ThreadContext
{
    /// <summary>This thread's per-cache state, indexed by <c>SlabCache</c> id; grown on first use of a cache.</summary>
    internal CpuSlab?[] SlabCpus = [];
    /// <summary>
    /// Taken to replace <see cref="SlabCpus"/> (the owner, growing it) or to take an entry out of it (a
    /// cache being destroyed, on any thread), so that neither loses the other's write. The fast paths
    /// only read the array and take no lock.
    /// </summary>
    internal readonly Lock SlabCpusLock = new();

    /// <summary>
    /// <see cref="FaultArmedBit"/> while any fault point is armed on this thread, else 0: the fast paths
    /// test this one field, ORed with gfp and the cache's hook word.
    /// </summary>
    internal int FaultArmed;
    /// <summary>Above every Gfp flag and SlabCache hook bit, so that the OR above stays unambiguous.</summary>
    internal const int FaultArmedBit = 1 << 30;
    internal int FailPageNth, FailSlabNth, FailOwnerVectorNth;
}
