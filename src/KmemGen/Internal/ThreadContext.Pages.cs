namespace KmemGen.Internal;

// The page allocator's per-thread state: the page cache (the kernel's per-CPU pcp lists) of free
// blocks of orders 0..PageCache.MaxOrder. Only the owning thread touches it, except the exit
// handling, which runs after the thread is gone.
internal sealed unsafe partial class ThreadContext
{
    /// <summary>Heads of the cached free blocks per order, linked through PageDesc.Next.</summary>
    internal PageCacheLists PageCacheHeads;
    /// <summary>Blocks held per order.</summary>
    internal PageCacheCounts PageCacheCounts;
}

[System.Runtime.CompilerServices.InlineArray(PageCache.MaxOrder + 1)]
internal struct PageCacheLists
{
    private nint _element0;
}

[System.Runtime.CompilerServices.InlineArray(PageCache.MaxOrder + 1)]
internal struct PageCacheCounts
{
    private int _element0;
}
