namespace KmemGen;

/// <summary>Cache creation flags, after the kernel's SLAB_* flags.</summary>
[Flags]
public enum SlabFlags
{
    None = 0,
    /// <summary>SLAB_ACCOUNT: every object is charged to the allocating cgroup.</summary>
    Account = 1 << 0,
    /// <summary>SLAB_RECLAIM_ACCOUNT: objects count as slab_reclaimable in memory.stat.</summary>
    Reclaimable = 1 << 1,
    /// <summary>SLAB_POISON: freed objects are filled and checked on the next allocation.</summary>
    Poison = 1 << 2,
    /// <summary>SLAB_RED_ZONE: guard bytes around each object, checked on free.</summary>
    RedZone = 1 << 3,
    /// <summary>SLAB_CONSISTENCY_CHECKS: double free and foreign pointers are detected on every free.</summary>
    ConsistencyChecks = 1 << 4,
}
