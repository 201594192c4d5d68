namespace KmemGen.Metrics;

/// <summary>The allocator's per-cache counts the metrics read.</summary>
internal static class SlabCacheCounts
{
    // TODO(merge alloc): read the cache's active object count.
    public static long ActiveObjects(SlabCache cache) => throw new NotImplementedException(cache.Name);
}
