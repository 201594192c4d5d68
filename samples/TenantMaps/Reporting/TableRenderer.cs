using System.Globalization;
using System.Text;

namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>Plain-text tables: the per-tenant table, a one-line summary, slabinfo.</summary>
public static class TableRenderer
{
    private static readonly string[] s_header =
        ["cgroup", "usage", "max", "peak", "failcnt", "ev.max", "ev.oom", "slab", "maps", "entries", "updates", "ENOMEM"];

    /// <summary>One line per tenant, then the parent (their sum), under a header.</summary>
    public static IReadOnlyList<string> Tenants(RunSnapshot snapshot)
    {
        List<string[]> cells = [s_header];
        foreach (TenantRow row in snapshot.Tenants)
        {
            cells.Add(Cells(row.Path + (row.Floods ? " (floods)" : ""), row));
        }

        cells.Add(Cells(snapshot.Parent.Path + " (all)", snapshot.Parent));
        return Align(cells);
    }

    /// <summary>The redirected-output line: elapsed time and each tenant's usage, failcnt and refusals.</summary>
    public static string Line(RunSnapshot snapshot)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"[{snapshot.ElapsedSeconds,5:0.0}s]");
        foreach (TenantRow row in snapshot.Tenants)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $" {row.Name} {ByteSize.Format(row.Usage)}/{ByteSize.Format(row.Max)} failcnt={row.FailCount} enomem={row.RejectedUpdates};");
        }

        return sb.ToString().TrimEnd(';');
    }

    /// <summary>slabinfo rows with objects in use or ever allocated, in a table.</summary>
    public static IReadOnlyList<string> SlabInfo(IReadOnlyList<SlabInfoRow> rows)
    {
        List<string[]> cells = [["cache", "active_objs", "num_objs", "objsize", "objperslab", "pagesperslab", "slabs"]];
        foreach (SlabInfoRow r in rows)
        {
            if (r.Objects == 0)
            {
                continue;
            }

            cells.Add([r.Name, N(r.ActiveObjects), N(r.Objects), N(r.ObjectSize), N(r.ObjectsPerSlab), N(r.PagesPerSlab), N(r.Slabs)]);
        }

        return Align(cells);
    }

    private static string[] Cells(string name, TenantRow row) =>
    [
        name, ByteSize.Format(row.Usage), ByteSize.Format(row.Max), ByteSize.Format(row.Peak), N(row.FailCount),
        N(row.Events.Max), N(row.Events.Oom), ByteSize.Format(row.Slab), N(row.Maps), N(row.Entries), N(row.Updates), N(row.RejectedUpdates),
    ];

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>First column left-aligned, the rest right-aligned, two spaces apart.</summary>
    private static List<string> Align(List<string[]> cells)
    {
        int columns = cells[0].Length;
        int[] width = new int[columns];
        foreach (string[] row in cells)
        {
            for (int c = 0; c < columns; c++)
            {
                width[c] = Math.Max(width[c], row[c].Length);
            }
        }

        List<string> lines = [];
        foreach (string[] row in cells)
        {
            var sb = new StringBuilder(row[0].PadRight(width[0]));
            for (int c = 1; c < columns; c++)
            {
                sb.Append("  ").Append(row[c].PadLeft(width[c]));
            }

            lines.Add(sb.ToString());
        }

        return lines;
    }
}
