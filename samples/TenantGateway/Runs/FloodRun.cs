using KmemGen.AspNetCore;
using KmemGen.Samples.TenantGateway.Gateway;
using KmemGen.Samples.TenantGateway.Load;

namespace KmemGen.Samples.TenantGateway.Runs;

/// <summary>
/// The flood run: the normal tenants send their fixed number of requests while the flooding tenant
/// uploads and reads slowly, until the normal traffic is done or the time limit. Contained means: the
/// flooder hit its memory.max (refused rents), never went over it, every normal request was served,
/// no normal tenant was refused anything, and after shutdown every pool block was returned.
/// </summary>
public static class FloodRun
{
    public static async Task<int> RunAsync(GatewayOptions options, TextWriter output)
    {
        IReadOnlyList<Tenant> tenants = Tenant.Create(options.NormalTenants, withFlooder: true);
        Tenant flooder = tenants[^1];
        await using GatewayServer server = await GatewayServer.StartAsync(tenants, options, kmemgenPools: true);
        KmemGenMemoryPoolFactory pools = server.Pools!;
        await output.WriteLineAsync(Header(options, tenants, pools));

        using var timeLimit = new CancellationTokenSource(options.TimeLimit);
        using var stopFlood = CancellationTokenSource.CreateLinkedTokenSource(timeLimit.Token);
        using var stopSampler = new CancellationTokenSource();
        var sampler = new PoolSampler(server, tenants);
        Task sampling = sampler.RunAsync(options.Live ? output : null, stopSampler.Token);
        Task<FloodResult> flood = FloodTraffic.RunAsync(flooder, options, stopFlood.Token);
        NormalResult[] normal = await Task.WhenAll(tenants.Where(t => !t.Floods)
            .Select(t => NormalTraffic.RunAsync(t, options.Requests, options.Concurrency, timeLimit.Token)));
        await stopFlood.CancelAsync();
        FloodResult flooded = await flood;
        await stopSampler.CancelAsync();
        await sampling;

        // Snapshot while the server still runs, then stop it: closing the connections returns their blocks.
        TenantRow[] rows = [.. tenants.Select((t, i) => TenantRow.Of(t, server.GroupOf(t)!, sampler.MaxRented(i), normal.FirstOrDefault(n => n.Tenant == t)))];
        await server.DisposeAsync();
        long leftAfterShutdown = await LeftRentedAsync(pools);

        var verdict = Verdict.Of(rows, flooded, leftAfterShutdown);
        await output.WriteLineAsync(FloodReport.Render(rows, flooded, leftAfterShutdown, verdict));
        return verdict.Contained ? 0 : 1;
    }

    private static string Header(GatewayOptions o, IReadOnlyList<Tenant> tenants, KmemGenMemoryPoolFactory pools) =>
        $"TenantGateway: {tenants.Count} tenants on 127.0.0.1, each tenant's connection buffers in cgroup {pools.Parent.Path}/<tenant> with memory.max {o.TenantLimit}\n" +
        string.Join("\n", tenants.Select(t => t.Floods
            ? $"  {t.Name,-8} :{t.EndPoint.Port}  floods: {o.FloodConnections} connections uploading {Sizes.Format(o.UploadBytes)} each, {o.SlowReaders} slow readers"
            : $"  {t.Name,-8} :{t.EndPoint.Port}  normal: {o.Requests} requests, {o.Concurrency} at a time")) +
        $"\n  time limit {o.TimeLimit.TotalSeconds:0.#} s\n";

    /// <summary>Bytes still rented once the server stopped, after up to 5 s for the last connections to close.</summary>
    private static async Task<long> LeftRentedAsync(KmemGenMemoryPoolFactory pools)
    {
        for (int i = 0; i < 100 && pools.Groups.Sum(g => g.BytesRented) > 0; i++) await Task.Delay(50);
        return pools.Groups.Sum(g => g.BytesRented);
    }
}

/// <summary>One tenant's line of the report.</summary>
public sealed record TenantRow(Tenant Tenant, NormalResult? Normal, long PoolPeak, long CgroupPeak, long Max, long Rents, long Refusals, long MaxEvents)
{
    internal static TenantRow Of(Tenant tenant, PoolGroup group, long poolPeak, NormalResult? normal) =>
        new(tenant, normal, poolPeak, group.Cgroup.Peak, group.Cgroup.Max, group.Rents, group.Refusals, group.Cgroup.Events.Max);
}

/// <summary>Whether the flood was contained, and the reason when it was not.</summary>
public sealed record Verdict(bool Contained, IReadOnlyList<string> Failures)
{
    internal static Verdict Of(IReadOnlyList<TenantRow> rows, FloodResult flood, long leftAfterShutdown)
    {
        var failures = new List<string>();
        TenantRow flooder = rows.Single(r => r.Tenant.Floods);
        if (flooder.Refusals == 0) failures.Add($"the flooding tenant never reached its memory.max ({Sizes.Format(flooder.Max)}): nothing to contain; raise --flood-connections or lower --limit");
        if (flooder.CgroupPeak > flooder.Max) failures.Add($"the flooding tenant's cgroup peaked at {Sizes.Format(flooder.CgroupPeak)}, over its memory.max {Sizes.Format(flooder.Max)}");
        foreach (TenantRow row in rows.Where(r => !r.Tenant.Floods))
        {
            if (!row.Normal!.AllServed) failures.Add($"{row.Tenant.Name}: {row.Normal.Ok} of {row.Normal.Requested} requests served, {row.Normal.Failed} failed");
            if (row.Refusals > 0) failures.Add($"{row.Tenant.Name}: {row.Refusals} buffer rents refused");
        }
        if (flood.Uploads + flood.UploadsRefused == 0) failures.Add("the flooding tenant sent no upload");
        if (leftAfterShutdown != 0) failures.Add($"{Sizes.Format(leftAfterShutdown)} still rented after shutdown");
        return new Verdict(failures.Count == 0, failures);
    }
}
