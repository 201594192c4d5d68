namespace KmemGen.Internal;

/// <summary>The memory.stat bucket a charge is counted in (the kernel's NR_SLAB_*_B, MEMCG_VMALLOC, MEMCG_PERCPU_B).</summary>
internal enum MemcgStatItem
{
    SlabUnreclaimable,
    SlabReclaimable,
    Vmalloc,
    Percpu,
    /// <summary>Other kernel memory (accounted pages not in a bucket above, and ObjCgroup.TryCharge).</summary>
    Kernel,
}

internal static class MemcgStatItems
{
    /// <summary>The number of <see cref="MemcgStatItem"/> values (sizes the per-cgroup and per-stock arrays).</summary>
    public const int Count = 5;
}
