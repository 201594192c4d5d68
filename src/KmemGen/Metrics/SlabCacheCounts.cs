namespace KmemGen.Metrics;

/// <summary>The allocator's per-cache counts the metrics read (the numbers slabinfo prints).</summary>
internal static class SlabCacheCounts
{
    /// <summary>Objects allocated and not yet freed: slabinfo's active_objs.</summary>
    public static long ActiveObjects(SlabCache cache) => cache.Stats().ActiveObjects;
}
