namespace KmemGen.Benchmarks.Workloads;

/// <summary>The allocators every workload shape runs against, in the same run.</summary>
public enum AllocatorKind
{
    /// <summary>SlabCache.Create(name, size): one cache per object size, unaccounted.</summary>
    SlabCache,
    /// <summary>SlabCache.Create(name, size, SlabFlags.Account), used inside a child cgroup's Enter().</summary>
    SlabCacheAccounted,
    /// <summary>Kmalloc.Alloc(size, Gfp.Kernel).</summary>
    Kmalloc,
    /// <summary>Kmalloc.Alloc(size, Gfp.Account) inside a child cgroup's Enter().</summary>
    KmallocAccount,
    /// <summary>mi_malloc / mi_free (libmimalloc.so.2) through function pointers.</summary>
    Mimalloc,
    /// <summary>jemalloc's malloc / free (libjemalloc.so.2) through function pointers.</summary>
    Jemalloc,
    /// <summary>glibc malloc / free through NativeMemory.Alloc / Free.</summary>
    Glibc,
    /// <summary>A bare per-thread free list (<see cref="BareHeap"/>): the least an allocator can do.</summary>
    BareList,
}

internal static class AllocatorKinds
{
    /// <summary>The kinds that charge a cgroup and therefore run inside a child cgroup's Enter().</summary>
    public static bool IsAccounted(this AllocatorKind kind) => kind is AllocatorKind.SlabCacheAccounted or AllocatorKind.KmallocAccount;

    /// <summary>Parses a kind by name (case-insensitive); null when the name is not one.</summary>
    public static AllocatorKind? Parse(string name) =>
        Enum.TryParse(name, ignoreCase: true, out AllocatorKind kind) && Enum.IsDefined(kind) ? kind : null;
}
