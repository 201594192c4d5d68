using System.Globalization;
using System.Text;
using KmemGen.Samples.TenantGateway.Gateway;
using KmemGen.Samples.TenantGateway.Load;

namespace KmemGen.Samples.TenantGateway.Runs;

/// <summary>
/// KmemGen's pools against ASP.NET Core's default pool under the same normal load: a warm-up of each,
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
            $"{options.Rounds} rounds alternating KmemGen and default pools (after one warm-up each), time limit {options.TimeLimit.TotalSeconds:0.#} s");
        using var timeLimit = new CancellationTokenSource(options.TimeLimit);
        var kmemgen = new PoolTotals("kmemgen");
        var standard = new PoolTotals("default");

        await RoundAsync(options with { Requests = Math.Max(1, options.Requests / 4) }, kmemgenPools: true, new PoolTotals("warm-up"), timeLimit.Token);
        await RoundAsync(options with { Requests = Math.Max(1, options.Requests / 4) }, kmemgenPools: false, new PoolTotals("warm-up"), timeLimit.Token);
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
        await using GatewayServer server = await GatewayServer.StartAsync(tenants, options, kmemgenPools);
        var started = System.Diagnostics.Stopwatch.StartNew();
        NormalResult[] results = await Task.WhenAll(tenants.Select(t => NormalTraffic.RunAsync(t, options.Requests, options.Concurrency, cancel)));
        totals.Add(results, started.Elapsed);
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
        s.AppendLine($"{"pool",-8} {"req/s per round",-28} {"req/s",8} {"p50 ms",7} {"p90 ms",7} {"p99 ms",7} {"failed",7}");
        foreach (PoolTotals p in new[] { kmemgen, standard })
        {
            s.AppendLine($"{p.Name,-8} {string.Join(" ", p.RoundThroughputs.Select(r => r.ToString("0", CultureInfo.InvariantCulture))),-28} " +
                $"{p.Throughput,8:0} {Sizes.Ms(p.Latencies.Percentile(50)),7} {Sizes.Ms(p.Latencies.Percentile(90)),7} {Sizes.Ms(p.Latencies.Percentile(99)),7} {p.Failed,7}");
        }
        s.AppendLine(CultureInfo.InvariantCulture, $"paired ratio per round (KmemGen / default, same round): {string.Join(" ", kmemgen.RoundThroughputs.Zip(standard.RoundThroughputs, (k, d) => (k / d).ToString("0.00", CultureInfo.InvariantCulture)))}");
        s.Append(CultureInfo.InvariantCulture, $"KmemGen pools: {paired:P1} of the default pool's throughput (median paired ratio; totals {ratio:P1}; goal: at least {TargetRatio:P0}, ");
        s.Append(paired >= TargetRatio ? "met)" : "missed in this run)");
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
        public double Throughput => Ok / Elapsed.TotalSeconds;

        public void Add(NormalResult[] results, TimeSpan elapsed)
        {
            int ok = results.Sum(r => r.Ok);
            Ok += ok;
            Failed += results.Sum(r => r.Failed + (r.Requested - r.Ok - r.Failed));
            Elapsed += elapsed;
            RoundThroughputs.Add(ok / elapsed.TotalSeconds);
            foreach (NormalResult r in results) Latencies.AddAll(r.Latencies);
        }
    }
}
