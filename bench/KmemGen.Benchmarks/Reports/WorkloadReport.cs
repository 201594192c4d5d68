using System.Globalization;
using KmemGen.Benchmarks.Workloads;

namespace KmemGen.Benchmarks.Reports;

/// <summary>
/// <c>--summarize DIR</c>: turns the CSV reports of the workload suites in DIR (BenchmarkDotNet's
/// results folder) into the Markdown tables of docs/benchmarks.md: time per operation with the ratio
/// to mimalloc in the same column, two threads against one, accounted against unaccounted, and the
/// targets marked met or missed. Arithmetic only: every figure is a Mean from the reports.
/// </summary>
internal static class WorkloadReport
{
    public const string Flag = "--summarize";

    private static readonly (string Suite, string Title)[] s_suites =
    [
        (nameof(ImmediatePairBenchmarks), "(a) Immediate pair, ns per alloc+free pair"),
        (nameof(LiveBatchBenchmarks), "(b) Batches of N live objects, ns per pair"),
        (nameof(RandomFreeBatchBenchmarks), "(b') Batches of N live objects freed in random order, ns per pair"),
        (nameof(ProducerConsumerBenchmarks), "(c) Producer/consumer, two threads, wall ns per pair"),
        (nameof(LarsonBenchmarks), "(d) Larson server loop, wall ns per step over all threads"),
        (nameof(OwnObjectsBenchmarks), "(e) Own objects in batches of 1,000, wall ns per pair over all threads"),
        (nameof(CacheScratchBenchmarks), "(f) cache-scratch, wall ns per iteration over all threads"),
    ];

    private static readonly string[] s_scalingSuites = [nameof(LarsonBenchmarks), nameof(OwnObjectsBenchmarks), nameof(CacheScratchBenchmarks)];
    private static readonly string[] s_scalingTargetSuites = [nameof(LarsonBenchmarks), nameof(OwnObjectsBenchmarks)];
    private const string Baseline = nameof(AllocatorKind.Mimalloc);
    private const string Slab = nameof(AllocatorKind.SlabCache);
    private const string SlabAccounted = nameof(AllocatorKind.SlabCacheAccounted);

    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count != 2)
        {
            Console.Error.WriteLine($"usage: {Flag} DIR   (DIR: BenchmarkDotNet.Artifacts/results of a run of the workload suites)");
            return 2;
        }
        string dir = args[1];
        if (!Directory.Exists(dir))
        {
            Console.Error.WriteLine($"{Flag}: folder '{dir}' does not exist");
            return 2;
        }
        var rows = new List<BenchmarkRow>();
        foreach (var (suite, _) in s_suites)
        {
            string path = Path.Combine(dir, $"KmemGen.Benchmarks.Workloads.{suite}-report.csv");
            if (File.Exists(path)) rows.AddRange(BenchmarkCsv.Read(path, suite));
        }
        if (rows.Count == 0)
        {
            Console.Error.WriteLine($"{Flag}: no workload reports (KmemGen.Benchmarks.Workloads.*-report.csv) in '{dir}'");
            return 2;
        }
        var report = new Results(rows);
        foreach (var (suite, title) in s_suites.Where(s => report.Has(s.Suite))) PrintSuite(report, suite, title);
        PrintScaling(report);
        PrintAccounted(report);
        PrintTargets(report);
        return 0;
    }

    private static void PrintSuite(Results report, string suite, string title)
    {
        string? secondary = report.SecondaryParameter(suite);
        foreach (string size in secondary is null ? [""] : report.Values(suite, "Size"))
        {
            List<Column> columns = report.Columns(suite).Where(c => size == "" || c.Size == size).ToList();
            Console.WriteLine($"#### {title}{(size == "" ? "" : $", {size} B")} (ratio to mimalloc in brackets)");
            Console.WriteLine();
            Console.WriteLine("| allocator | " + string.Join(" | ", columns.Select(c => secondary is null ? $"{c.Size} B" : $"{secondary} {c.Secondary}")) + " |");
            Console.WriteLine("|---|" + string.Concat(columns.Select(_ => "---:|")));
            foreach (string kind in report.Kinds)
            {
                IEnumerable<string> cells = columns.Select(c =>
                {
                    double? mean = report.Mean(suite, kind, c);
                    double? baseline = report.Mean(suite, Baseline, c);
                    if (mean is null) return "NA";
                    return baseline is null ? F(mean.Value, 2) : $"{F(mean.Value, 2)} ({F(mean.Value / baseline.Value, 2)})";
                });
                Console.WriteLine($"| {kind} | {string.Join(" | ", cells)} |");
            }
            Console.WriteLine();
        }
    }

    private static void PrintScaling(Results report)
    {
        string[] suites = s_scalingSuites.Where(report.Has).ToArray();
        if (suites.Length == 0) return;
        string[] sizes = suites.SelectMany(s => report.Values(s, "Size")).Distinct().ToArray();
        Console.WriteLine("#### Two threads against one: throughput ratio 2T/1T = Mean(Threads=1) / Mean(Threads=2)");
        Console.WriteLine();
        Console.WriteLine("| allocator | " + string.Join(" | ", suites.SelectMany(s => sizes.Select(z => $"{Short(s)} {z} B"))) + " |");
        Console.WriteLine("|---|" + string.Concat(suites.SelectMany(_ => sizes).Select(_ => "---:|")));
        foreach (string kind in report.Kinds)
            Console.WriteLine($"| {kind} | " + string.Join(" | ", suites.SelectMany(s => sizes.Select(z => Ratio(report.Scaling(s, kind, z))))) + " |");
        Console.WriteLine();
    }

    private static void PrintAccounted(Results report)
    {
        Console.WriteLine("#### Accounted against unaccounted (same shape, size and column)");
        Console.WriteLine();
        Console.WriteLine("| shape | column | SlabCacheAccounted / SlabCache | KmallocAccount / Kmalloc |");
        Console.WriteLine("|---|---|---:|---:|");
        foreach (var (suite, _) in s_suites.Where(s => report.Has(s.Suite)))
        {
            foreach (Column c in report.Columns(suite))
            {
                Console.WriteLine($"| {Short(suite)} | {c.Label(report.SecondaryParameter(suite))} | " +
                    $"{Ratio(report.Ratio(suite, SlabAccounted, Slab, c))} | " +
                    $"{Ratio(report.Ratio(suite, nameof(AllocatorKind.KmallocAccount), nameof(AllocatorKind.Kmalloc), c))} |");
            }
        }

        Console.WriteLine();
    }

    private static void PrintTargets(Results report)
    {
        Console.WriteLine("#### Targets (worst case over the columns of each shape)");
        Console.WriteLine();
        Console.WriteLine("| target | shape | worst | cases met | verdict |");
        Console.WriteLine("|---|---|---:|---:|---|");
        // Single thread: every column without a thread count, and Threads=1 (producer/consumer is two by nature).
        (string Target, string Kind, string Over, double Limit, bool SingleThread)[] ratioTargets =
        [
            ("SlabCache <= mimalloc", Slab, Baseline, 1.00, true),
            ("accounted <= 1.10x unaccounted", SlabAccounted, Slab, 1.10, false),
        ];
        foreach (var (target, kind, over, limit, singleThread) in ratioTargets)
        {
            foreach (var (suite, _) in s_suites.Where(s => report.Has(s.Suite)))
            {
                double?[] ratios = report.Columns(suite).Where(c => !singleThread || c.Threads is null or "1")
                    .Select(c => report.Ratio(suite, kind, over, c)).ToArray();
                PrintTarget(target, suite, ratios, worstIsMax: true, limit);
            }
        }

        foreach (string suite in s_scalingTargetSuites.Where(report.Has))
        {
            foreach (string kind in new[] { Slab, SlabAccounted })
            {
                double?[] scaling = report.Values(suite, "Size").Select(z => report.Scaling(suite, kind, z)).ToArray();
                PrintTarget($"2T >= 1.8x 1T, {kind}", suite, scaling, worstIsMax: false, limit: 1.80);
            }
        }

        Console.WriteLine();
    }

    private static void PrintTarget(string target, string suite, double?[] ratios, bool worstIsMax, double limit)
    {
        double[] known = ratios.Where(r => r is not null).Select(r => r!.Value).ToArray();
        if (known.Length == 0)
        {
            Console.WriteLine($"| {target} | {Short(suite)} | NA | - | not measured |");
            return;
        }
        double worst = worstIsMax ? known.Max() : known.Min();
        int met = known.Count(r => worstIsMax ? r <= limit : r >= limit);
        string verdict = met == known.Length && known.Length == ratios.Length ? "met" : "**missed**";
        Console.WriteLine($"| {target} | {Short(suite)} | {F(worst, 2)}x | {met}/{ratios.Length} | {verdict} |");
    }

    private static string Short(string suite) => suite.Replace("Benchmarks", "", StringComparison.Ordinal);
    private static string Ratio(double? r) => r is null ? "NA" : $"{F(r.Value, 2)}x";
    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    /// <summary>A column of a suite's table: the size and the secondary parameter (live objects or threads), if any.</summary>
    private sealed record Column(string Size, string? Secondary, string? Threads)
    {
        public string Label(string? secondary) => secondary is null ? $"{Size} B" : $"{Size} B, {secondary} {Secondary}";
    }

    private sealed class Results(IReadOnlyList<BenchmarkRow> rows)
    {
        private static readonly string[] s_secondaryParameters = ["Live", "Threads"];

        public IReadOnlyList<string> Kinds { get; } =
            Enum.GetNames<AllocatorKind>().Where(k => rows.Any(r => r["Kind"] == k)).ToArray();

        public bool Has(string suite) => rows.Any(r => r.Suite == suite);

        public string? SecondaryParameter(string suite) =>
            s_secondaryParameters.FirstOrDefault(p => rows.Any(r => r.Suite == suite && r[p] is not null));

        public IReadOnlyList<string> Values(string suite, string parameter) =>
            rows.Where(r => r.Suite == suite).Select(r => r[parameter]!).Distinct().OrderBy(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

        public IReadOnlyList<Column> Columns(string suite)
        {
            string? secondary = SecondaryParameter(suite);
            return rows.Where(r => r.Suite == suite)
                .Select(r => new Column(r["Size"]!, secondary is null ? null : r[secondary], r["Threads"]))
                .Distinct()
                .OrderBy(c => int.Parse(c.Size, CultureInfo.InvariantCulture))
                .ThenBy(c => c.Secondary is null ? 0 : int.Parse(c.Secondary, CultureInfo.InvariantCulture))
                .ToArray();
        }

        public double? Mean(string suite, string kind, Column c) =>
            rows.FirstOrDefault(r => r.Suite == suite && r["Kind"] == kind && r["Size"] == c.Size
                && (c.Secondary is null || r[SecondaryParameter(suite)!] == c.Secondary))?.MeanNs;

        public double? Ratio(string suite, string kind, string over, Column c) =>
            Mean(suite, kind, c) is double a && Mean(suite, over, c) is double b ? a / b : null;

        // Throughput of two threads over one: the same operations in Mean(1) and Mean(2) time.
        public double? Scaling(string suite, string kind, string size) =>
            Mean(suite, kind, new Column(size, "1", "1")) is double one && Mean(suite, kind, new Column(size, "2", "2")) is double two ? one / two : null;
    }
}
