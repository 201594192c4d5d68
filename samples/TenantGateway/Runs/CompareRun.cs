using System.Diagnostics;
using System.Globalization;
using System.Text;
using KmemGen.Samples.TenantGateway.Gateway;
using KmemGen.Samples.TenantGateway.Load;

namespace KmemGen.Samples.TenantGateway.Runs;

/// <summary>
/// KmemGen's pools against ASP.NET Core's default pool under the same normal load: two warm-ups of each,
/// then <see cref="GatewayOptions.Rounds"/> rounds that run both, alternating which goes first (the
/// machine's noise then falls on both). Each server is fresh, on fresh ports, with the same tenants.
/// Exit 0 when every request of every round was served; the throughput ratio is reported, not asserted.
/// </summary>
public static class CompareRun
{
    /// <summary>The goal: KmemGen's pools cost at most 5% of the default pool's throughput.</summary>
    public const double TargetRatio = 0.95;

    public static async Task<int> RunAsync(GatewayOptions options, TextWriter output)
    {
        await output.WriteLineAsync($"TenantGateway compare: {options.NormalTenants} tenants x {options.Requests} requests x {options.Concurrency} concurrent, " +
            $"{options.Rounds} rounds alternating KmemGen and default pools (after two warm-ups each), time limit {options.TimeLimit.TotalSeconds:0.#} s");
        if (options.Calibrate)
        {
            await output.WriteLineAsync("calibration: the default pool on both sides; the \"kmemgen\" row is a second default-pool server");
        }
        using var timeLimit = new CancellationTokenSource(options.TimeLimit);
        var kmemgen = new PoolTotals("kmemgen");
        var standard = new PoolTotals("default");

        // Warm-up rounds of full size: the JIT's tiering and PGO keep speeding both servers up for a while.
        for (int warmUp = 0; warmUp < 2; warmUp++)
        {
            await RoundAsync(options, kmemgenPools: true, new PoolTotals("warm-up"), timeLimit.Token);
            await RoundAsync(options, kmemgenPools: false, new PoolTotals("warm-up"), timeLimit.Token);
        }
        for (int round = 0; round < options.Rounds; round++)
        {
            bool kmemgenFirst = round % 2 == 0;
            await RoundAsync(options, kmemgenFirst, kmemgenFirst ? kmemgen : standard, timeLimit.Token);
            await RoundAsync(options, !kmemgenFirst, kmemgenFirst ? standard : kmemgen, timeLimit.Token);
        }

        await output.WriteLineAsync(Render(kmemgen, standard));
        return kmemgen.Failed + standard.Failed == 0 && !timeLimit.IsCancellationRequested ? 0 : 1;
    }

    private static async Task RoundAsync(GatewayOptions options, bool kmemgenPools, PoolTotals totals, CancellationToken cancel)
    {
        IReadOnlyList<Tenant> tenants = Tenant.Create(options.NormalTenants, withFlooder: false);
        await using GatewayServer server = await GatewayServer.StartAsync(tenants, options, kmemgenPools && !options.Calibrate);
        // CPU time as well as wall time: other programs on a shared machine take wall time from both
        // pools unevenly, while the CPU this process spends per request moves much less with them.
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.StartNew();
        NormalResult[] results = await Task.WhenAll(tenants.Select(t => NormalTraffic.RunAsync(t, options.Requests, options.Concurrency, cancel)));
        totals.Add(results, started.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
    }

    /// <summary>
    /// Each round's KmemGen throughput over the default's in the same round (run back to back, so they
    /// share the machine's load of the moment), and their median: steadier than the totals' ratio
    /// when other work on the machine comes and goes between rounds.
    /// </summary>
    public static double MedianPairedRatio(IReadOnlyList<double> kmemgen, IReadOnlyList<double> standard)
    {
        double[] ratios = [.. kmemgen.Zip(standard, (k, d) => k / d).Order()];
        int mid = ratios.Length / 2;
        return ratios.Length % 2 == 1 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
    }

    private static string Render(PoolTotals kmemgen, PoolTotals standard)
    {
        double ratio = kmemgen.Throughput / standard.Throughput;
        double paired = MedianPairedRatio(kmemgen.RoundThroughputs, standard.RoundThroughputs);
        var s = new StringBuilder();
        s.AppendLine($"{"pool",-8} {"req/s per round",-28} {"req/s",8} {"CPU us/req",10} {"p50 ms",7} {"p90 ms",7} {"p99 ms",7} {"failed",7}");
        foreach (PoolTotals p in new[] { kmemgen, standard })
        {
            s.AppendLine($"{p.Name,-8} {string.Join(" ", p.RoundThroughputs.Select(r => r.ToString("0", CultureInfo.InvariantCulture))),-28} " +
                $"{p.Throughput,8:0} {p.CpuMicrosecondsPerRequest,10:0.0} {Sizes.Ms(p.Latencies.Percentile(50)),7} {Sizes.Ms(p.Latencies.Percentile(90)),7} {Sizes.Ms(p.Latencies.Percentile(99)),7} {p.Failed,7}");
        }
        s.AppendLine(CultureInfo.InvariantCulture, $"paired ratio per round (KmemGen / default, same round): {string.Join(" ", kmemgen.RoundThroughputs.Zip(standard.RoundThroughputs, (k, d) => (k / d).ToString("0.00", CultureInfo.InvariantCulture)))}");
        s.Append(CultureInfo.InvariantCulture, $"KmemGen pools: {paired:P1} of the default pool's throughput (median paired ratio; totals {ratio:P1}; goal: at least {TargetRatio:P0}, ");
        s.AppendLine(paired >= TargetRatio ? "met)" : "missed in this run)");
        s.Append(CultureInfo.InvariantCulture, $"CPU per request (client and server, this process): KmemGen {kmemgen.CpuMicrosecondsPerRequest:0.0} us, default {standard.CpuMicrosecondsPerRequest:0.0} us ({kmemgen.CpuMicrosecondsPerRequest / standard.CpuMicrosecondsPerRequest - 1:+0.0%;-0.0%})");
        return s.ToString();
    }

    /// <summary>One pool's requests, time and latencies over all its measured rounds.</summary>
    private sealed class PoolTotals(string name)
    {
        public string Name { get; } = name;
        public Latencies Latencies { get; } = new();
        public List<double> RoundThroughputs { get; } = [];
        public int Ok { get; private set; }
        public int Failed { get; private set; }
        public TimeSpan Elapsed { get; private set; }
        public TimeSpan Cpu { get; private set; }
        public double Throughput => Ok / Elapsed.TotalSeconds;
        public double CpuMicrosecondsPerRequest => Cpu.TotalMicroseconds / Ok;

        public void Add(NormalResult[] results, TimeSpan elapsed, TimeSpan cpu)
        {
            Cpu += cpu;
            int ok = results.Sum(r => r.Ok);
            Ok += ok;
            Failed += results.Sum(r => r.Failed + (r.Requested - r.Ok - r.Failed));
            Elapsed += elapsed;
            RoundThroughputs.Add(ok / elapsed.TotalSeconds);
            foreach (NormalResult r in results) Latencies.AddAll(r.Latencies);
        }
    }
}
