using System.Globalization;
using System.Text;

namespace KmemGen.Benchmarks.Reports;

/// <summary>One row of a BenchmarkDotNet *-report.csv: the method, its parameters and its Mean.</summary>
internal sealed record BenchmarkRow(string Suite, string Method, IReadOnlyDictionary<string, string> Columns, double? MeanNs)
{
    public string? this[string column] => Columns.TryGetValue(column, out string? v) ? v : null;
}

/// <summary>Reads the CSV reports BenchmarkDotNet writes (comma-separated, quoted where a value has a comma, units in the cells).</summary>
internal static class BenchmarkCsv
{
    public static IReadOnlyList<BenchmarkRow> Read(string path, string suite)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new FormatException($"{path} is empty");
        List<string> header = SplitLine(lines[0]);
        var rows = new List<BenchmarkRow>();
        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            List<string> cells = SplitLine(line);
            if (cells.Count != header.Count) throw new FormatException($"{path}: a row has {cells.Count} cells, the header {header.Count}");
            var columns = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < header.Count; i++) columns[header[i]] = cells[i];
            rows.Add(new BenchmarkRow(suite, columns["Method"], columns, ParseNanoseconds(columns["Mean"])));
        }
        return rows;
    }

    /// <summary>"1,094.93 ns", "2.5 μs", "3 ms"; null for NA (a case that failed or was skipped).</summary>
    public static double? ParseNanoseconds(string cell)
    {
        string[] parts = cell.Trim().Split(' ', 2);
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out double value))
            return null;
        return parts[1] switch
        {
            "ns" => value,
            "μs" or "us" => value * 1e3,
            "ms" => value * 1e6,
            "s" => value * 1e9,
            _ => throw new FormatException($"unknown time unit in '{cell}'"),
        };
    }

    private static List<string> SplitLine(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
