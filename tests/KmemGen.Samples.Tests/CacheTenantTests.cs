using KmemGen.Samples.TenantMaps;
using KmemGen.Samples.TenantMaps.Reporting;

namespace KmemGen.Samples.Tests;

/// <summary>
/// The reclaim scenario: the first tenant keeps a reclaimable lookup cache under memory.high (half its
/// memory.max) and stays there because reclaim drops its cold entries, while the flooding tenant still
/// hits memory.max.
/// </summary>
public sealed class CacheTenantTests
{
    [Fact]
    public void Below_a_4M_limit_no_tenant_keeps_a_cache_or_a_memory_high()
    {
        using var run = new SampleRun(TestCgroups.SmallRun("nocache"));
        Assert.All(run.Service.Tenants, t => Assert.Null(t.Lookups));
        Assert.All(run.Service.Tenants, t => Assert.Equal(long.MaxValue, t.Cgroup.High));
    }

    [Fact]
    public async Task The_cache_tenant_stays_under_memory_high_by_losing_cold_entries_while_the_flooder_hits_memory_max()
    {
        SampleOptions options = TestCgroups.SmallRun("cache") with { Duration = TimeSpan.FromSeconds(60), Limit = "4M" };
        RunReport report;
        using (var run = new SampleRun(options))
        using (var enough = new CancellationTokenSource(TimeSpan.FromSeconds(45)))
        {
            MemCgroup cacheCgroup = run.Service.Tenants[0].Cgroup;
            Task<RunReport> running = run.RunAsync(enough.Token);
            while (!running.IsCompleted && !(cacheCgroup.Stat.Pgsteal > 0 && run.Snapshot().Tenants[^1].RejectedUpdates >= 10))
            {
                await Task.WhenAny(running, Task.Delay(50));
            }

            await enough.CancelAsync();
            report = await running;
        }

        CacheReport cache = Assert.IsType<CacheReport>(report.Cache);
        TenantRow cacheRow = report.Final.Tenants[0];
        Assert.Equal(cacheRow.Name, cache.Tenant);
        Assert.Equal(cacheRow.Max / 2, cache.High);
        Assert.True(cache.Reclaimed > 0, "reclaim freed cold lookup entries");
        Assert.True(cache.Misses > 0);
        // Usage above high is reclaimed at the charge that crossed it; one charge batch may be in flight.
        Assert.True(cache.Usage <= cache.High + TestCgroups.ChargeBatchSlack, $"usage {cache.Usage} vs high {cache.High}");
        Assert.True(cache.Peak <= cache.High + 2 * TestCgroups.ChargeBatchSlack, $"peak {cache.Peak} vs high {cache.High}");
        Assert.True(cache.HighEvents > 0);
        Assert.Equal(0, cache.MaxEvents);
        Assert.Equal(0, cache.Rejected);

        TenantRow flooder = Assert.Single(report.Final.Tenants, t => t.Floods);
        Assert.True(flooder.Events.Max > 0, "the flooder still hit memory.max");
        Assert.True(flooder.RejectedUpdates > 0);
        Assert.True(report.Contained);
    }
}
