namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>Where the sample gets /proc/slabinfo text from the allocator.</summary>
internal static class SlabInfoSource
{
    // TODO(merge alloc): SlabInfo.Dump() once the allocator lands.
    public static string Read() => "slabinfo - version: 2.1\n";
}
