using KmemGen.Benchmarks.Reports;

namespace KmemGen.Benchmarks.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class WorkloadReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kmemgen-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WriteReport(string suite, params string[] lines) =>
        File.WriteAllLines(Path.Combine(_dir, $"KmemGen.Benchmarks.Workloads.{suite}-report.csv"), lines);

    private string Summarize() => ConsoleCapture.Output(() => Assert.Equal(0, WorkloadReport.Run([WorkloadReport.Flag, _dir])));

    [Fact]
    public void Means_are_read_with_their_units_and_thousands_and_NA_is_no_figure()
    {
        Assert.Equal(1094.93, BenchmarkCsv.ParseNanoseconds("1,094.93 ns"));
        Assert.Equal(2500, BenchmarkCsv.ParseNanoseconds("2.5 μs"));
        Assert.Equal(3e6, BenchmarkCsv.ParseNanoseconds("3 ms"));
        Assert.Null(BenchmarkCsv.ParseNanoseconds("NA"));
        Assert.Throws<FormatException>(() => BenchmarkCsv.ParseNanoseconds("3 fortnights"));
    }

    [Fact]
    public void Cells_carry_the_ratio_to_mimalloc_and_the_targets_are_judged()
    {
        WriteReport("ImmediatePairBenchmarks",
            "Method,Job,Size,Kind,Mean,Error",
            "Pair,ShortRun,64,SlabCache,\"1,000.00 ns\",1 ns",
            "Pair,ShortRun,64,SlabCacheAccounted,\"1,050.00 ns\",1 ns",
            "Pair,ShortRun,64,Mimalloc,500.00 ns,1 ns");
        WriteReport("LarsonBenchmarks",
            "Method,Job,Threads,Size,Kind,Mean,Error",
            "ServerLoop,ShortRun,1,64,SlabCache,10.00 ns,1 ns",
            "ServerLoop,ShortRun,2,64,SlabCache,5.00 ns,1 ns",
            "ServerLoop,ShortRun,1,64,SlabCacheAccounted,12.00 ns,1 ns",
            "ServerLoop,ShortRun,2,64,SlabCacheAccounted,12.00 ns,1 ns",
            "ServerLoop,ShortRun,1,64,Mimalloc,NA,NA",
            "ServerLoop,ShortRun,2,64,Mimalloc,NA,NA");

        string summary = Summarize();

        Assert.Contains("| SlabCache | 1000.00 (2.00) |", summary);
        Assert.Contains("| Mimalloc | NA | NA |", summary);
        Assert.Contains("| SlabCache | 2.00x |", summary);
        Assert.Contains("| SlabCacheAccounted | 1.00x |", summary);
        Assert.Contains("| ImmediatePair | 64 B | 1.05x | NA |", summary);
        Assert.Contains("| Larson | 64 B, Threads 2 | 2.40x | NA |", summary);
        Assert.Contains("| SlabCache <= mimalloc | ImmediatePair | 2.00x | 0/1 | **missed** |", summary);
        Assert.Contains("| SlabCache <= mimalloc | Larson | NA | - | not measured |", summary);
        Assert.Contains("| accounted <= 1.10x unaccounted | ImmediatePair | 1.05x | 1/1 | met |", summary);
        Assert.Contains("| 2T >= 1.8x 1T, SlabCache | Larson | 2.00x | 1/1 | met |", summary);
        Assert.Contains("| 2T >= 1.8x 1T, SlabCacheAccounted | Larson | 1.00x | 0/1 | **missed** |", summary);
    }

    [Fact]
    public void A_folder_without_reports_is_refused_with_exit_code_2()
    {
        string error = ConsoleCapture.Error(() =>
        {
            Assert.Equal(2, WorkloadReport.Run([WorkloadReport.Flag, _dir]));
            Assert.Equal(2, WorkloadReport.Run([WorkloadReport.Flag, Path.Combine(_dir, "missing")]));
        });
        Assert.Contains("no workload reports", error);
        Assert.Contains("does not exist", error);
    }
}
