using KmemGen.Samples.TenantMaps.Reporting;

namespace KmemGen.Samples.Tests;

public sealed class RenderingTests
{
    private static readonly RunSnapshot s_snapshot = new(
        1.5,
        Row("/tenants", "/tenants", floods: false, usage: 3 << 20),
        [Row("tenant-0", "/tenants/tenant-0", floods: false, usage: 70_000), Row("tenant-1", "/tenants/tenant-1", floods: true, usage: 4 << 20)]);

    [Theory]
    [InlineData(0L, "0B")]
    [InlineData(812L, "812B")]
    [InlineData(72_000L, "70.3K")]
    [InlineData(4L << 20, "4.0M")]
    [InlineData(long.MaxValue, "max")]
    public void Sizes_are_shown_in_powers_of_1024(long bytes, string expected)
    {
        Assert.Equal(expected, ByteSize.Format(bytes));
    }

    [Fact]
    public void The_table_has_a_header_a_line_per_tenant_and_the_parent_last()
    {
        IReadOnlyList<string> lines = TableRenderer.Tenants(s_snapshot);

        Assert.Equal(4, lines.Count);
        Assert.StartsWith("cgroup", lines[0]);
        Assert.StartsWith("/tenants/tenant-0 ", lines[1]);
        Assert.StartsWith("/tenants/tenant-1 (floods)", lines[2]);
        Assert.StartsWith("/tenants (all)", lines[3]);
        Assert.Contains("68.4K", lines[1]);
        Assert.All(lines, l => Assert.Equal(lines[0].Length, l.Length));
    }

    [Theory]
    [InlineData(200, 12)]
    [InlineData(79, 7)]
    [InlineData(60, 5)]
    [InlineData(50, 4)]
    public void The_table_drops_the_least_needed_columns_to_fit_the_width(int width, int columns)
    {
        IReadOnlyList<string> lines = TableRenderer.Tenants(s_snapshot, width);

        Assert.All(lines, l => Assert.True(l.Length <= width, $"{l.Length} > {width}: {l}"));
        string[] header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(columns, header.Length);
        Assert.Equal(["cgroup", "usage", "max"], header[..3]);
        Assert.Equal("ENOMEM", header[^1]);
        Assert.StartsWith("/tenants/tenant-1 (floods)", lines[2]);
    }

    [Fact]
    public void The_slabinfo_table_drops_layout_columns_first_to_fit_the_width()
    {
        SlabInfoRow[] rows = [new("kmalloc-cg-512", 95, 192, 512, 16, 2, 12, 12), new("bpf_htab_elem", 2176, 2432, 32, 128, 1, 19, 19)];

        IReadOnlyList<string> full = TableRenderer.SlabInfo(rows);
        IReadOnlyList<string> fitted = TableRenderer.SlabInfo(rows, 70);

        Assert.Equal(7, full[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(full[0].Length > 70);
        Assert.All(fitted, l => Assert.True(l.Length <= 70, l));
        Assert.Equal(["cache", "active_objs", "num_objs", "objsize", "objperslab", "slabs"], fitted[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["cache", "active_objs"], TableRenderer.SlabInfo(rows, 30)[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void The_summary_on_a_terminal_fits_every_table_to_its_width()
    {
        RunReport report = Report(Final(
            Row("tenant-0", "/tenants/tenant-0", floods: false, usage: 70_000),
            Row("tenant-1", "/tenants/tenant-1", floods: true, usage: 4 << 20)))
            with { SlabInfo = [new("kmalloc-cg-512", 95, 192, 512, 16, 2, 12, 12)] };
        var output = new StringWriter();

        SummaryWriter.Write(output, report, width: 80);

        Assert.All(output.ToString().Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)), l => Assert.True(l.Length < 80, $"{l.Length}: {l}"));
        Assert.Contains("kmalloc-cg-512", output.ToString());
    }

    [Fact]
    public void A_terminal_too_narrow_even_for_the_essential_columns_gets_cut_lines()
    {
        IReadOnlyList<string> lines = TableRenderer.Tenants(s_snapshot, 30);

        Assert.All(lines, l => Assert.Equal(30, l.Length));
        Assert.StartsWith("/tenants/tenant-0", lines[1]);
    }

    [Fact]
    public void Each_live_frame_fits_the_terminal_width_read_at_that_frame()
    {
        var output = new StringWriter();
        int width = 80;
        var view = new LiveView(output, terminal: true, () => width);

        view.Render(s_snapshot);
        int first = output.GetStringBuilder().Length;
        width = 50;
        view.Render(s_snapshot);

        Assert.All(Visible(output.ToString()[..first]), l => Assert.True(l.Length < 80, $"{l.Length}: {l}"));
        Assert.Contains(Visible(output.ToString()[..first]), l => l.Length > 50);
        Assert.All(Visible(output.ToString()[first..]), l => Assert.True(l.Length < 50, $"{l.Length}: {l}"));
    }

    [Fact]
    public void The_summary_says_what_happened_for_each_outcome()
    {
        TenantRow quiet = Row("tenant-0", "/tenants/tenant-0", floods: false, usage: 70_000);
        TenantRow victim = quiet with { Name = "tenant-1", Path = "/tenants/tenant-1", RejectedUpdates = 3 };
        TenantRow refused = Row("tenant-2", "/tenants/tenant-2", floods: true, usage: 4 << 20) with { FailCount = 9, RejectedUpdates = 4 };
        TenantRow neverRefused = refused with { FailCount = 0, RejectedUpdates = 0 };

        Assert.Equal(RunOutcome.Contained, RunOutcomes.Of(Final(quiet, refused)));
        Assert.Equal(RunOutcome.NotContained, RunOutcomes.Of(Final(quiet, victim, refused)));
        Assert.Equal(RunOutcome.LimitNotReached, RunOutcomes.Of(Final(quiet, neverRefused)));
        Assert.Equal("Contained: every other tenant's allocations succeeded.", SummaryWriter.OutcomeLine(Report(Final(quiet, refused))));
        Assert.Equal("NOT contained: tenant-1 lost updates to ENOMEM beside the flooder (see the ENOMEM column).", SummaryWriter.OutcomeLine(Report(Final(quiet, victim, refused))));
        Assert.StartsWith("Not tested: nothing was refused", SummaryWriter.OutcomeLine(Report(Final(quiet, neverRefused))));
        Assert.Equal([0, 1, 3], new[] { RunOutcome.Contained, RunOutcome.NotContained, RunOutcome.LimitNotReached }.Select(RunOutcomes.ExitCode));
    }

    [Fact]
    public void A_max_of_max_round_trips_through_json_as_the_word_max()
    {
        RunReport report = Report(Final(
            Row("tenant-0", "/tenants/tenant-0", floods: false, usage: 0),
            Row("tenant-1", "/tenants/tenant-1", floods: true, usage: 0) with { Max = long.MaxValue }));

        string json = ReportJson.Serialize(report);

        Assert.Contains("\"max\": \"max\"", json);
        Assert.Contains("\"max\": 4194304", json);
        Assert.Equal(4 << 20, ReportJson.Deserialize(json).Final.Tenants[0].Max);
        Assert.Equal(long.MaxValue, ReportJson.Deserialize(json).Final.Tenants[1].Max);
        var bad = Assert.Throws<System.Text.Json.JsonException>(() => ReportJson.Deserialize(json.Replace("\"max\": \"max\"", "\"max\": \"none\"")));
        Assert.Contains("not \"none\"", bad.Message);
    }

    [Fact]
    public void Redirected_output_gets_one_plain_line_per_render()
    {
        var output = new StringWriter();
        var view = new LiveView(output, terminal: false);

        view.Render(s_snapshot);
        view.Render(s_snapshot);

        Assert.Equal(TimeSpan.FromSeconds(1), view.Interval);
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("[  1.5s] tenant-0 68.4K/4.0M failcnt=0 enomem=0; tenant-1 4.0M/4.0M failcnt=0 enomem=0", lines[0]);
        Assert.DoesNotContain('\u001b', output.ToString());
    }

    [Fact]
    public void On_a_terminal_each_frame_redraws_over_the_previous_one()
    {
        var output = new StringWriter();
        var view = new LiveView(output, terminal: true);

        view.Render(s_snapshot);
        int first = output.GetStringBuilder().Length;
        view.Render(s_snapshot);
        string second = output.ToString()[first..];

        Assert.True(view.Interval < TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("\u001b[5F", output.ToString()[..first]);
        Assert.StartsWith("\u001b[5F", second);
        Assert.Equal(5, second.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Slabinfo_text_is_read_into_rows_and_junk_is_refused()
    {
        const string Text =
            """
            slabinfo - version: 2.1
            # name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
            bpf_htab_elem        120    128     32  128    1 : tunables    0    0    0 : slabdata      1      1      0
            kmalloc-cg-2048       15     16   2048   16    8 : tunables    0    0    0 : slabdata      1      1      0
            """;

        IReadOnlyList<SlabInfoRow> rows = SlabInfoParser.Parse(Text);

        Assert.Equal([new SlabInfoRow("bpf_htab_elem", 120, 128, 32, 128, 1, 1, 1), new SlabInfoRow("kmalloc-cg-2048", 15, 16, 2048, 16, 8, 1, 1)], rows);
        var e = Assert.Throws<FormatException>(() => SlabInfoParser.Parse("kmalloc-64 1 2 3"));
        Assert.Contains("kmalloc-64 1 2 3", e.Message);
    }

    /// <summary>The printable lines of a terminal frame, escape sequences removed.</summary>
    private static string[] Visible(string frame) =>
        System.Text.RegularExpressions.Regex.Replace(frame, "\u001b\\[\\d*[A-Za-z]", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static RunSnapshot Final(params TenantRow[] tenants) =>
        new(1.0, Row("/tenants", "/tenants", floods: false, usage: 1 << 20) with { Max = long.MaxValue }, tenants);

    private static RunReport Report(RunSnapshot final) =>
        new(final.Tenants.Count, "4M", 2, 1.0, final, final, final.Tenants[^1].Name, null, RunOutcomes.Of(final), [], "");

    private static TenantRow Row(string name, string path, bool floods, long usage) =>
        new(name, path, floods, usage, 4 << 20, usage, 0, new EventCounts(0, 0, 0, 0), usage / 2, 2, 10, 100, 0, 5, 0);
}
