using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using KmemGen.Samples.TenantMaps;
using KmemGen.Samples.TenantMaps.Cli;
using KmemGen.Samples.TenantMaps.Reporting;

namespace KmemGen.Samples.Tests;

/// <summary>The program as a user runs it: its entry point, with stdout and stderr captured.</summary>
[Collection(SerialCollection.Name)]
public sealed class ProgramTests
{
    [Fact]
    public void Help_prints_the_help_text_and_succeeds()
    {
        (int exit, string stdout, string stderr) = Run("--help");

        Assert.Equal(0, exit);
        Assert.Equal(CommandLine.HelpText.TrimEnd(), stdout.TrimEnd());
        Assert.Empty(stderr);
    }

    [Fact]
    public void A_bad_argument_exits_with_2_and_says_why_on_stderr()
    {
        (int exit, string stdout, string stderr) = Run("--tenants", "zero");

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Contains("--tenants 'zero' is not a whole number", stderr);
    }

    [Fact]
    public void A_limit_the_cgroup_refuses_exits_with_2_naming_memory_max()
    {
        (int exit, _, string stderr) = Run("--limit", "1GB", "--no-live");

        Assert.Equal(2, exit);
        Assert.Contains("memory.max", stderr);
        Assert.Contains("1GB", stderr);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("100")]
    public void A_limit_too_small_for_the_maps_exits_with_2_and_a_message_not_a_crash(string limit)
    {
        (int exit, string stdout, string stderr) = Run("--limit", limit, "--no-live");

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.StartsWith($"TenantMaps: --limit {limit} is too small: tenant-0 could not create its maps before the run began (memory cgroup /tenants/tenant-0: charging", stderr);
        Assert.EndsWith("Use a larger limit; the default is 4M.", stderr.TrimEnd());
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.DoesNotContain("Exception", stderr);
        Assert.DoesNotContain(MemCgroup.Root.Children, c => c.Path == "/tenants");
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "TenantMaps: Unknown option '--bogus'. See --help.")]
    [InlineData(new[] { "--tenants", "zero" }, "TenantMaps: --tenants 'zero' is not a whole number.")]
    [InlineData(new[] { "--tenants", "1" }, "TenantMaps: --tenants 1 is invalid: expected between 2 and 64 (one of them floods).")]
    [InlineData(new[] { "--duration" }, "TenantMaps: --duration needs a value. See --help.")]
    [InlineData(new[] { "--limit", "1GB" }, "TenantMaps: Invalid value '1GB' for memory.max of /tenants/tenant-0: expected \"max\" or a byte count with an optional K/M/G/T/P/E suffix.")]
    public void Error_messages_are_printed_alone_without_the_parameter_suffix(string[] args, string expected)
    {
        (int exit, _, string stderr) = Run(args);

        Assert.Equal(2, exit);
        Assert.Equal(expected, stderr.TrimEnd());
    }

    [Fact]
    public void An_unlimited_run_says_nothing_was_refused_instead_of_not_contained_and_exits_3()
    {
        (int exit, string stdout, _) = Run("--limit", "max", "--tenants", "2", "--duration", "300ms", "--no-live");

        Assert.Equal(3, exit);
        Assert.Contains("tenant-1 has no limit (memory.max max), so its flood was never refused; give --limit a size such as 4M to see it contained.", stdout);
        Assert.Contains("Not tested: nothing was refused, so there was no flood to contain (every tenant's allocations succeeded).", stdout);
        Assert.DoesNotContain("NOT contained", stdout);
    }

    [Fact]
    public void Json_prints_an_unlimited_max_as_max_like_the_control_file()
    {
        (int exit, string stdout, _) = Run("--json", "--limit", "max", "--tenants", "2", "--duration", "300ms");

        Assert.Equal(3, exit);
        Assert.DoesNotContain(long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), stdout);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement root = document.RootElement;
        Assert.Equal("max", root.GetProperty("final").GetProperty("parent").GetProperty("max").GetString());
        Assert.All(root.GetProperty("final").GetProperty("tenants").EnumerateArray(), t => Assert.Equal("max", t.GetProperty("max").GetString()));
        Assert.Equal("limitNotReached", root.GetProperty("outcome").GetString());
        Assert.False(root.GetProperty("contained").GetBoolean());
        RunReport report = ReportJson.Deserialize(stdout);
        Assert.True(report.Final.Parent.Unlimited);
        Assert.Equal(RunOutcome.LimitNotReached, report.Outcome);
    }

    [Fact]
    public void Json_prints_only_the_final_state_and_it_matches_the_run()
    {
        (int exit, string stdout, string stderr) = Run("--json", "--tenants", "3", "--duration", "1500ms", "--limit", "1M");

        Assert.True(exit == 0, stdout);
        Assert.Empty(stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement root = document.RootElement;
        Assert.Equal(3, root.GetProperty("tenants").GetInt32());
        Assert.Equal("1M", root.GetProperty("limit").GetString());
        Assert.True(root.GetProperty("contained").GetBoolean());
        Assert.Equal("contained", root.GetProperty("outcome").GetString());
        Assert.Equal("max", root.GetProperty("final").GetProperty("parent").GetProperty("max").GetString());
        Assert.Equal("tenant-2", root.GetProperty("floodingTenant").GetString());

        JsonElement[] tenants = [.. root.GetProperty("final").GetProperty("tenants").EnumerateArray()];
        Assert.Equal(["/tenants/tenant-0", "/tenants/tenant-1", "/tenants/tenant-2"], tenants.Select(t => t.GetProperty("path").GetString()));
        JsonElement flooder = tenants[2];
        Assert.True(flooder.GetProperty("floods").GetBoolean());
        Assert.Equal(1 << 20, flooder.GetProperty("max").GetInt64());
        Assert.True(flooder.GetProperty("failCount").GetInt64() > 0);
        Assert.True(flooder.GetProperty("events").GetProperty("max").GetInt64() > 0);
        Assert.Contains("/tenants/tenant-2", root.GetProperty("limitMessage").GetString());
        Assert.All(root.GetProperty("afterShutdown").GetProperty("tenants").EnumerateArray(),
            t => Assert.Equal(0, t.GetProperty("usage").GetInt64()));

        // The same text read back through the typed model gives the same numbers.
        RunReport report = ReportJson.Deserialize(stdout);
        Assert.Equal(flooder.GetProperty("failCount").GetInt64(), report.Final.Tenants[2].FailCount);
        Assert.Equal(flooder.GetProperty("usage").GetInt64(), report.Final.Tenants[2].Usage);
        Assert.Equal(root.GetProperty("slabInfo").GetArrayLength(), report.SlabInfo.Count);
        Assert.Contains(report.SlabInfo, s => s.Name == "bpf_htab_elem");
    }

    [Fact]
    public void Redirected_output_gets_a_line_per_second_then_the_summary_table_and_slabinfo()
    {
        (int exit, string stdout, _) = Run("--tenants", "2", "--duration", "3s", "--limit", "1M");

        Assert.True(exit == 0, stdout);
        string[] lines = stdout.Split('\n');
        Assert.True(lines.Count(l => Regex.IsMatch(l, @"^\[\s*\d+\.\ds\] tenant-0 \S+/1\.0M failcnt=\d+ enomem=0; tenant-1 ")) >= 2, stdout);
        Assert.False(stdout.Contains('\u001b'), "no terminal escapes when redirected");
        Assert.Equal(1, CountOf(stdout, "hit its limit; the update was refused with:"));
        Assert.Contains("Contained: every other tenant's allocations succeeded.", stdout);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("/tenants/tenant-1 (floods)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("bpf_htab_elem", StringComparison.Ordinal));
    }

    [Fact]
    public void No_live_prints_only_the_summary()
    {
        (_, string stdout, _) = Run("--tenants", "2", "--duration", "300ms", "--no-live");

        Assert.DoesNotContain(stdout.Split('\n'), l => l.StartsWith('['));
        Assert.Contains("At the end of the load (", stdout);
        Assert.Contains("After every map was destroyed: /tenants usage 0B, slab 0B.", stdout);
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Runs Program's entry point in-process (it uses the default "/tenants" cgroup: hence the serial collection).</summary>
    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        MethodInfo entry = typeof(SampleRun).Assembly.EntryPoint ?? throw new InvalidOperationException("TenantMaps has no entry point");
        TextWriter oldOut = Console.Out, oldError = Console.Error;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            object? result = entry.Invoke(null, [args]);
            int exit = result switch
            {
                int code => code,
                Task<int> task => task.GetAwaiter().GetResult(),
                _ => throw new InvalidOperationException($"unexpected entry point result {result}"),
            };
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }
}
