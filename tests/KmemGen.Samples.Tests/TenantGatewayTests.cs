using System.Net;
using KmemGen.Samples.TenantGateway;
using KmemGen.Samples.TenantGateway.Cli;
using KmemGen.Samples.TenantGateway.Gateway;
using KmemGen.Samples.TenantGateway.Load;
using KmemGen.Samples.TenantGateway.Runs;

namespace KmemGen.Samples.Tests;

/// <summary>The TenantGateway sample with small numbers: a real Kestrel on loopback, the load driver, the verdict.</summary>
public sealed class TenantGatewayTests
{
    private static GatewayOptions SmallRun(RunMode mode) => new()
    {
        Mode = mode,
        NormalTenants = 2,
        Requests = 60,
        Concurrency = 2,
        TenantLimit = "4M",
        FloodConnections = 8,
        SlowReaders = 2,
        UploadBytes = 2 << 20,
        Rounds = 1,
        TimeLimit = TimeSpan.FromSeconds(60),
        CgroupName = TestCgroups.UniqueName("gateway"),
    };

    [Fact]
    public async Task The_flood_run_contains_the_flooder_serves_the_others_and_exits_0()
    {
        GatewayOptions options = SmallRun(RunMode.Flood);
        var output = new StringWriter();

        int exit = await FloodRun.RunAsync(options, output);

        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("verdict: CONTAINED", text);
        Assert.Contains("alpha    60/60 ok, 0 failed", text);
        Assert.Contains("beta     60/60 ok, 0 failed", text);
        Assert.Contains("after shutdown: every tenant's buffers were returned to the pools (0 bytes rented)", text);
        MemCgroup flood = MemCgroup.Root.Children.Single(c => c.Name == options.CgroupName).Children.Single(c => c.Name == "flood");
        Assert.Equal(4 << 20, flood.Max);
        Assert.True(flood.Events.Max > 0);
        Assert.True(flood.Peak <= flood.Max);
    }

    [Fact]
    public async Task The_compare_run_measures_both_pools_under_the_same_load()
    {
        var output = new StringWriter();

        int exit = await CompareRun.RunAsync(SmallRun(RunMode.Compare), output);

        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Matches(@"kmemgen\s+\d+\s+\d+", text);
        Assert.Matches(@"default\s+\d+\s+\d+", text);
        Assert.Contains("of the default pool's throughput (median paired ratio", text);
        Assert.DoesNotContain("calibration", text);
    }

    [Fact]
    public async Task The_calibration_run_puts_the_default_pool_on_both_sides()
    {
        var output = new StringWriter();
        string cgroup = "gateway-calibrate-" + Guid.NewGuid().ToString("N");

        int exit = await CompareRun.RunAsync(SmallRun(RunMode.Compare) with { Calibrate = true, CgroupName = cgroup }, output);

        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("calibration: the default pool on both sides", text);
        Assert.Matches(@"kmemgen\s+\d+\s+\d+", text);
        // No KmemGen pool was made: its factory would have created the parent cgroup.
        Assert.DoesNotContain(MemCgroup.Root.Children, c => c.Name == cgroup);
    }

    [Fact]
    public void The_verdict_is_not_contained_when_a_normal_tenant_failed_or_the_flooder_never_hit_its_limit()
    {
        var alpha = new Tenant("alpha", new IPEndPoint(IPAddress.Loopback, 1), Floods: false);
        var flood = new Tenant("flood", new IPEndPoint(IPAddress.Loopback, 2), Floods: true);
        var served = new NormalResult(alpha, requested: 2);
        served.Succeeded(1);
        served.Fail();
        var floodResult = new FloodResult();
        floodResult.Uploaded();

        Verdict verdict = Verdict.Of(
        [
            new TenantRow(alpha, served, PoolPeak: 4096, CgroupPeak: 4096, Max: 1 << 20, Rents: 2, Refusals: 0, MaxEvents: 0),
            new TenantRow(flood, null, PoolPeak: 4096, CgroupPeak: 4096, Max: 1 << 20, Rents: 9, Refusals: 0, MaxEvents: 0),
        ], floodResult, leftAfterShutdown: 8192);

        Assert.False(verdict.Contained);
        Assert.Contains(verdict.Failures, f => f.StartsWith("alpha: 1 of 2 requests served, 1 failed", StringComparison.Ordinal));
        Assert.Contains(verdict.Failures, f => f.Contains("never reached its memory.max", StringComparison.Ordinal));
        Assert.Contains(verdict.Failures, f => f.Contains("8.0 KiB still rented after shutdown", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { 100.0, 90, 50 }, new[] { 100.0, 100, 100 }, 0.9)]
    [InlineData(new[] { 100.0, 200 }, new[] { 100.0, 100 }, 1.5)]
    public void The_compare_run_reports_the_median_of_the_per_round_ratios(double[] kmemgen, double[] standard, double median)
    {
        Assert.Equal(median, CompareRun.MedianPairedRatio(kmemgen, standard), 6);
    }

    [Theory]
    [InlineData(new[] { "--mode", "storm" }, "--mode 'storm' is not 'flood' or 'compare'.")]
    [InlineData(new[] { "--tenants", "9" }, "--tenants 9 is outside 1..8.")]
    [InlineData(new[] { "--time-limit", "soon" }, "--time-limit 'soon' is not a duration")]
    [InlineData(new[] { "--limit", "4MB" }, "--limit '4MB' is not a size")]
    [InlineData(new[] { "--requests" }, "--requests needs a value")]
    [InlineData(new[] { "--bogus", "1" }, "unknown option '--bogus'")]
    public void A_bad_flag_is_an_ArgumentException_naming_the_flag_and_value(string[] args, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => CommandLine.Parse(args));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_set_the_options()
    {
        GatewayOptions o = CommandLine.Parse(["--mode", "compare", "--tenants", "3", "--requests", "10", "--time-limit", "1500ms",
            "--limit", "8M", "--upload-size", "1M", "--slow-readers", "0", "--rounds", "2", "--cgroup", "gw", "--live", "--calibrate"]).Options;

        Assert.Equal(RunMode.Compare, o.Mode);
        Assert.Equal(3, o.NormalTenants);
        Assert.Equal(10, o.Requests);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), o.TimeLimit);
        Assert.Equal("8M", o.TenantLimit);
        Assert.Equal(1 << 20, o.UploadBytes);
        Assert.Equal(0, o.SlowReaders);
        Assert.Equal(2, o.Rounds);
        Assert.Equal("gw", o.CgroupName);
        Assert.True(o.Live);
        Assert.True(o.Calibrate);
        Assert.False(CommandLine.Parse([]).Options.Calibrate);
    }
}

/// <summary>The entry point as a user runs it: bad flags exit 2 with one line on stderr and no stack trace.</summary>
[Collection(SerialCollection.Name)]
public sealed class TenantGatewayProgramTests
{
    [Fact]
    public async Task A_bad_flag_exits_2_with_a_message_and_no_stack_trace()
    {
        (int exit, string stdout, string stderr) = await RunAsync("--concurrency", "many");

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal("TenantGateway: --concurrency 'many' is not a whole number.", stderr.Trim());
    }

    [Fact]
    public async Task A_limit_the_cgroup_refuses_exits_2_naming_memory_max()
    {
        (int exit, _, string stderr) = await RunAsync("--limit", "99999999999999999999G", "--requests", "1", "--cgroup", TestCgroups.UniqueName("gateway-bad"));

        Assert.Equal(2, exit);
        Assert.Contains("memory.max", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Help_prints_the_help_and_exits_0()
    {
        (int exit, string stdout, _) = await RunAsync("--help");

        Assert.Equal(0, exit);
        Assert.Equal(CommandLine.HelpText.TrimEnd(), stdout.TrimEnd());
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        TextWriter oldOut = Console.Out, oldError = Console.Error;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int exit = await Program.Main(args);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }
}
