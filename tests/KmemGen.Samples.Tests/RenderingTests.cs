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

    private static TenantRow Row(string name, string path, bool floods, long usage) =>
        new(name, path, floods, usage, 4 << 20, usage, 0, new EventCounts(0, 0, 0, 0), usage / 2, 2, 10, 100, 0, 5, 0);
}
