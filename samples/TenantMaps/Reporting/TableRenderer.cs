using System.Globalization;
using System.Text;

namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>Plain-text tables: the per-tenant table, a one-line summary, slabinfo.</summary>
public static class TableRenderer
{
    private static readonly string[] s_header =
        ["cgroup", "usage", "max", "peak", "failcnt", "ev.max", "ev.oom", "slab", "maps", "entries", "updates", "ENOMEM"];

    /// <summary>
    /// The columns a narrow terminal loses first, in order (indexes into <see cref="s_header"/>): the ones
    /// another column already implies (ev.oom follows ev.max here, maps and entries follow updates) go
    /// first; cgroup, usage, max and ENOMEM, which tell whether the flood was contained, always stay.
    /// </summary>
    private static readonly int[] s_dropOrder = [6, 8, 9, 3, 5, 7, 4, 10];

    private static readonly string[] s_slabInfoHeader = ["cache", "active_objs", "num_objs", "objsize", "objperslab", "pagesperslab", "slabs"];

    /// <summary>slabinfo's columns a narrow terminal loses first: the layout ones, then the totals; cache and active_objs stay.</summary>
    private static readonly int[] s_slabInfoDropOrder = [5, 4, 6, 2, 3];

    /// <summary>
    /// One line per tenant, then the parent (their sum), under a header, at most <paramref name="maxWidth"/>
    /// characters wide: columns are left out in <see cref="s_dropOrder"/> until the table fits, and if even
    /// the four essential ones do not, every line is cut at the width.
    /// </summary>
    public static IReadOnlyList<string> Tenants(RunSnapshot snapshot, int maxWidth = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWidth);
        List<string[]> cells = [s_header];
        foreach (TenantRow row in snapshot.Tenants)
        {
            cells.Add(Cells(row.Path + (row.Floods ? " (floods)" : ""), row));
        }

        cells.Add(Cells(snapshot.Parent.Path + " (all)", snapshot.Parent));
        return Fit(cells, s_dropOrder, maxWidth);
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

    /// <summary>slabinfo rows with objects in use or ever allocated, in a table at most <paramref name="maxWidth"/> wide (as <see cref="Tenants"/>).</summary>
    public static IReadOnlyList<string> SlabInfo(IReadOnlyList<SlabInfoRow> rows, int maxWidth = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWidth);
        List<string[]> cells = [s_slabInfoHeader];
        foreach (SlabInfoRow r in rows)
        {
            if (r.Objects == 0)
            {
                continue;
            }

            cells.Add([r.Name, N(r.ActiveObjects), N(r.Objects), N(r.ObjectSize), N(r.ObjectsPerSlab), N(r.PagesPerSlab), N(r.Slabs)]);
        }

        return Fit(cells, s_slabInfoDropOrder, maxWidth);
    }

    /// <summary>
    /// The table at most <paramref name="maxWidth"/> characters wide: columns are left out in
    /// <paramref name="dropOrder"/> until it fits, and if even the columns that always stay do not,
    /// every line is cut at the width.
    /// </summary>
    private static List<string> Fit(List<string[]> cells, int[] dropOrder, int maxWidth)
    {
        List<int> shown = [.. Enumerable.Range(0, cells[0].Length)];
        foreach (int column in dropOrder)
        {
            if (TableWidth(cells, shown) <= maxWidth)
            {
                break;
            }

            shown.Remove(column);
        }

        List<string[]> fitted = [.. cells.Select(row => shown.Select(c => row[c]).ToArray())];
        return [.. Align(fitted).Select(line => line.Length > maxWidth ? line[..maxWidth] : line)];
    }

    private static string[] Cells(string name, TenantRow row) =>
    [
        name, ByteSize.Format(row.Usage), ByteSize.Format(row.Max), ByteSize.Format(row.Peak), N(row.FailCount),
        N(row.Events.Max), N(row.Events.Oom), ByteSize.Format(row.Slab), N(row.Maps), N(row.Entries), N(row.Updates), N(row.RejectedUpdates),
    ];

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The width <see cref="Align"/> would give <paramref name="columns"/> of <paramref name="cells"/>.</summary>
    private static int TableWidth(List<string[]> cells, List<int> columns) =>
        columns.Sum(c => cells.Max(row => row[c].Length)) + Gap.Length * (columns.Count - 1);

    private const string Gap = "  ";

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
                sb.Append(Gap).Append(row[c].PadLeft(width[c]));
            }

            lines.Add(sb.ToString());
        }

        return lines;
    }
}
