using System.Globalization;
using System.Text;
using KmemGen.Internal;

namespace KmemGen;

/// <summary>/proc/slabinfo, version 2.1, for every live cache (mm/slab_common.c print_slabinfo_header, cache_show).</summary>
public static class SlabInfo
{
    public const string Header =
        "slabinfo - version: 2.1\n" +
        "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>" +
        " : tunables <limit> <batchcount> <sharedfactor>" +
        " : slabdata <active_slabs> <num_slabs> <sharedavail>\n";

    /// <summary>The whole file: header, then one line per live cache, newest first. SLUB has no tunables: they print as 0.</summary>
    public static string Dump()
    {
        var sb = new StringBuilder(Header);
        foreach (SlabCache cache in SlabRegistry.Snapshot()) AppendLine(sb, cache);
        return sb.ToString();
    }

    /// <summary>One cache's line (without the header).</summary>
    public static string Line(SlabCache cache)
    {
        var sb = new StringBuilder();
        AppendLine(sb, cache);
        return sb.ToString();
    }

    private static void AppendLine(StringBuilder sb, SlabCache cache)
    {
        (long active, long num, long slabs) = cache.Stats();
        // seq_printf(m, "%-17s %6lu %6lu %6u %4u %4d", ...) " : tunables %4u %4u %4u" " : slabdata %6lu %6lu %6lu"
        sb.AppendFormat(CultureInfo.InvariantCulture,
            "{0,-17} {1,6} {2,6} {3,6} {4,4} {5,4} : tunables {6,4} {7,4} {8,4} : slabdata {9,6} {10,6} {11,6}\n",
            cache.Name, active, num, cache.SlotSize, cache.ObjectsPerSlab, 1 << cache.Order, 0, 0, 0, slabs, slabs, 0);
    }
}
