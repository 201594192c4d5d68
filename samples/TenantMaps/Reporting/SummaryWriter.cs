namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>The human-readable end of a run: the limit message (once), the outcome, the table, shutdown state, slabinfo.</summary>
public static class SummaryWriter
{
    /// <param name="output">Where to write.</param>
    /// <param name="report">The run's report.</param>
    /// <param name="width">The terminal's width; the tables are fitted to it (no limit when output is redirected).</param>
    public static void Write(TextWriter output, RunReport report, int width = int.MaxValue)
    {
        output.WriteLine();
        TenantRow? flooder = report.Final.Tenants.FirstOrDefault(t => t.Floods);
        if (report.LimitMessage is not null)
        {
            output.WriteLine($"{report.FloodingTenant} hit its limit; the update was refused with:");
            output.WriteLine($"  {report.LimitMessage}");
        }
        else if (flooder is { Unlimited: true })
        {
            output.WriteLine($"{report.FloodingTenant} has no limit (memory.max max), so its flood was never refused; give --limit a size such as 4M to see it contained.");
        }
        else
        {
            output.WriteLine($"{report.FloodingTenant} never reached its limit ({report.Limit}); try a smaller --limit or a longer --duration.");
        }

        output.WriteLine(OutcomeLine(report));
        if (report.Cache is { } cache)
        {
            output.WriteLine(cache.Describe());
        }

        output.WriteLine();
        output.WriteLine($"At the end of the load ({report.DurationSeconds:0.0}s, {report.Tenants} tenants, {report.Workers} workers, memory.max {report.Limit}):");
        foreach (string line in TableRenderer.Tenants(report.Final, width - Indent.Length - 1))
        {
            output.WriteLine(Indent + line);
        }

        TenantRow parent = report.AfterShutdown.Parent;
        output.WriteLine();
        output.WriteLine($"After every map was destroyed: {parent.Path} usage {ByteSize.Format(parent.Usage)}, slab {ByteSize.Format(parent.Slab)}.");
        output.WriteLine();
        output.WriteLine("slabinfo at the end of the load (caches that hold slabs):");
        foreach (string line in TableRenderer.SlabInfo(report.SlabInfo, width - Indent.Length - 1))
        {
            output.WriteLine(Indent + line);
        }
    }

    private const string Indent = "  ";

    /// <summary>One line that says what happened, in the terms of <see cref="RunOutcome"/>.</summary>
    public static string OutcomeLine(RunReport report) => report.Outcome switch
    {
        RunOutcome.Contained => "Contained: every other tenant's allocations succeeded.",
        RunOutcome.LimitNotReached => "Not tested: nothing was refused, so there was no flood to contain (every tenant's allocations succeeded).",
        _ => $"NOT contained: {string.Join(", ", report.Final.Tenants.Where(RunOutcomes.LostToTheFlood).Select(t => t.Name))} lost updates to ENOMEM beside the flooder (see the ENOMEM column).",
    };
}
