namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>The human-readable end of a run: the limit message (once), the table, shutdown state, slabinfo.</summary>
public static class SummaryWriter
{
    public static void Write(TextWriter output, RunReport report)
    {
        output.WriteLine();
        if (report.LimitMessage is not null)
        {
            output.WriteLine($"{report.FloodingTenant} hit its limit; the update was refused with:");
            output.WriteLine($"  {report.LimitMessage}");
        }
        else
        {
            output.WriteLine($"{report.FloodingTenant} never reached its limit ({report.Limit}); try a smaller --limit or a longer --duration.");
        }

        output.WriteLine(report.Contained
            ? "Contained: every other tenant's allocations succeeded."
            : "NOT contained: see the ENOMEM column.");
        if (report.Cache is { } cache)
        {
            output.WriteLine(cache.Describe());
        }

        output.WriteLine();
        output.WriteLine($"At the end of the load ({report.DurationSeconds:0.0}s, {report.Tenants} tenants, {report.Workers} workers, memory.max {report.Limit}):");
        foreach (string line in TableRenderer.Tenants(report.Final))
        {
            output.WriteLine("  " + line);
        }

        TenantRow parent = report.AfterShutdown.Parent;
        output.WriteLine();
        output.WriteLine($"After every map was destroyed: {parent.Path} usage {ByteSize.Format(parent.Usage)}, slab {ByteSize.Format(parent.Slab)}.");
        output.WriteLine();
        output.WriteLine("slabinfo at the end of the load (caches that hold slabs):");
        foreach (string line in TableRenderer.SlabInfo(report.SlabInfo))
        {
            output.WriteLine("  " + line);
        }
    }
}
