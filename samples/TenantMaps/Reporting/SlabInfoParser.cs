using System.Globalization;

namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>Reads /proc/slabinfo version 2.1 text into rows (for --json and the summary).</summary>
public static class SlabInfoParser
{
    /// <exception cref="FormatException">A line is not a slabinfo 2.1 cache line; the message quotes it.</exception>
    public static IReadOnlyList<SlabInfoRow> Parse(string text)
    {
        var rows = new List<SlabInfoRow>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("slabinfo", StringComparison.Ordinal) || line.StartsWith('#'))
            {
                continue;
            }

            // name active_objs num_objs objsize objperslab pagesperslab : tunables l b s : slabdata active num shared
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 16 || f[6] != ":" || f[7] != "tunables" || f[11] != ":" || f[12] != "slabdata")
            {
                throw new FormatException($"Not a slabinfo 2.1 line: '{line}'.");
            }

            rows.Add(new SlabInfoRow(f[0], Long(f[1], line), Long(f[2], line), (int)Long(f[3], line), (int)Long(f[4], line),
                (int)Long(f[5], line), Long(f[13], line), Long(f[14], line)));
        }

        return rows;
    }

    private static long Long(string field, string line) =>
        long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new FormatException($"'{field}' is not a count in slabinfo line '{line}'.");
}
