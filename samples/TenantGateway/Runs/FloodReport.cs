using System.Text;
using KmemGen.Samples.TenantGateway.Load;

namespace KmemGen.Samples.TenantGateway.Runs;

/// <summary>The flood run's table and verdict, as the user sees them.</summary>
public static class FloodReport
{
    public static string Render(IReadOnlyList<TenantRow> rows, FloodResult flood, long leftAfterShutdown, Verdict verdict)
    {
        var s = new StringBuilder();
        s.AppendLine($"{"tenant",-8} {"traffic",-22} {"p50 ms",7} {"p90 ms",7} {"p99 ms",7} {"max ms",7}  {"pool peak",10} {"cgroup peak",11} {"memory.max",10} {"rents",8} {"refused",8}");
        foreach (TenantRow r in rows)
        {
            string traffic = r.Normal is { } n ? $"{n.Ok}/{n.Requested} ok, {n.Failed} failed" : $"{flood.Uploads} uploads ok";
            Latencies? l = r.Normal?.Latencies;
            s.AppendLine($"{r.Tenant.Name,-8} {traffic,-22} {Cell(l, 50),7} {Cell(l, 90),7} {Cell(l, 99),7} {Cell(l, 100),7}  " +
                $"{Sizes.Format(r.PoolPeak),10} {Sizes.Format(r.CgroupPeak),11} {Sizes.Format(r.Max),10} {r.Rents,8} {r.Refusals,8}");
        }
        TenantRow flooder = rows.Single(r => r.Tenant.Floods);
        s.AppendLine();
        s.AppendLine($"flood: {flood.UploadsRefused} uploads and {flood.DownloadsRefused} slow downloads cut off (connection closed when a buffer rent hit memory.max), " +
            $"{flood.Uploads} uploads and {flood.Downloads} downloads completed; memory.events max {flooder.MaxEvents}");
        s.AppendLine(leftAfterShutdown == 0
            ? "after shutdown: every tenant's buffers were returned to the pools (0 bytes rented)"
            : $"after shutdown: {Sizes.Format(leftAfterShutdown)} still rented");
        if (verdict.Contained)
        {
            var others = rows.Where(r => !r.Tenant.Floods).ToList();
            s.Append($"verdict: CONTAINED - the flood peaked at {Sizes.Format(flooder.CgroupPeak)} of its {Sizes.Format(flooder.Max)}; " +
                $"{string.Join(", ", others.Select(o => o.Tenant.Name))} served {others.Sum(o => o.Normal!.Ok)}/{others.Sum(o => o.Normal!.Requested)} requests");
        }
        else
        {
            s.AppendLine("verdict: NOT CONTAINED");
            foreach (string failure in verdict.Failures) s.AppendLine($"  - {failure}");
        }
        return s.ToString().TrimEnd();
    }

    private static string Cell(Latencies? latencies, double p) => latencies is null ? "-" : Sizes.Ms(latencies.Percentile(p));
}
