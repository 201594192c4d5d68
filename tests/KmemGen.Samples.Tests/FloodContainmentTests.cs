using KmemGen.Samples.TenantMaps;
using KmemGen.Samples.TenantMaps.Reporting;

namespace KmemGen.Samples.Tests;

/// <summary>The scenario: one tenant floods, hits its memory.max, and nobody else notices.</summary>
public sealed class FloodContainmentTests
{
    [Fact]
    public async Task The_flooding_tenant_is_stopped_at_its_limit_and_the_others_keep_every_allocation()
    {
        // Run until the flooder has been refused a few times and everyone else has done real work
        // (not for a fixed time: on a loaded machine the flood may need longer to reach its limit).
        SampleOptions options = TestCgroups.SmallRun("flood") with { Duration = TimeSpan.FromSeconds(60) };
        RunReport report;
        using (var run = new SampleRun(options))
        using (var enough = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            Task<RunReport> running = run.RunAsync(enough.Token);
            while (!running.IsCompleted && !FloodedAndWorked(run.Snapshot()))
            {
                await Task.WhenAny(running, Task.Delay(50));
            }

            await enough.CancelAsync();
            report = await running;
        }

        TenantRow flooder = Assert.Single(report.Final.Tenants, t => t.Floods);
        Assert.Equal($"/{options.CgroupName}/tenant-{options.Tenants - 1}", flooder.Path);
        Assert.Equal(1L << 20, flooder.Max);
        Assert.True(flooder.Usage <= flooder.Max, $"usage {flooder.Usage} above max {flooder.Max}");
        Assert.True(flooder.Peak <= flooder.Max, $"peak {flooder.Peak} above max {flooder.Max}");
        Assert.True(flooder.Peak >= flooder.Max - TestCgroups.ChargeBatchSlack - options.FloodValueSize,
            $"peak never came near max: {flooder}");
        Assert.True(flooder.FailCount > 0, "failcnt");
        Assert.True(flooder.Events.Max > 0, "memory.events max");
        Assert.True(flooder.RejectedUpdates > 0, "the flooder's updates were never refused");
        Assert.True(flooder.FailedAllocations > 0);

        foreach (TenantRow tenant in report.Final.Tenants.Where(t => !t.Floods))
        {
            Assert.True(tenant.Updates > 0, $"{tenant.Name} did no work");
            Assert.Equal(0, tenant.RejectedUpdates);
            Assert.Equal(0, tenant.FailedAllocations);
            // failcnt may count refused 64-page batch refills whose exact-size retry then succeeded
            // (page_counter_try_charge counts both); a refusal that reached the caller raises events.max.
            Assert.Equal(0, tenant.Events.Max);
            Assert.Equal(0, tenant.Events.Oom);
            Assert.True(tenant.Usage > 0 && tenant.Usage < flooder.Usage, $"{tenant.Name} usage {tenant.Usage}");
        }

        Assert.True(report.Contained);
        Assert.NotNull(report.LimitMessage);
        Assert.Contains(flooder.Path, report.LimitMessage);
    }

    private static bool FloodedAndWorked(RunSnapshot snapshot) =>
        snapshot.Tenants.All(t => t.Floods ? t.RejectedUpdates >= 10 : t.Updates >= 200);

    [Fact]
    public async Task Every_byte_is_refunded_once_the_maps_are_destroyed()
    {
        SampleOptions options = TestCgroups.SmallRun("refund") with { Duration = TimeSpan.FromMilliseconds(500) };
        RunReport report;
        using (var run = new SampleRun(options))
        {
            report = await run.RunAsync();
        }

        Assert.True(report.Final.Parent.Usage > 0, "the load charged nothing");
        Assert.All(report.AfterShutdown.Tenants, t =>
        {
            Assert.Equal(0, t.Usage);
            Assert.Equal(0, t.Slab);
            Assert.Equal(0, t.Entries);
        });
        Assert.Equal(0, report.AfterShutdown.Parent.Usage);
        Assert.Equal(0, report.AfterShutdown.Parent.Slab);
    }

    [Fact]
    public async Task The_parent_cgroup_is_charged_the_sum_of_its_tenants()
    {
        SampleOptions options = TestCgroups.SmallRun("sum") with { Duration = TimeSpan.FromMilliseconds(300) };
        RunReport report;
        using (var run = new SampleRun(options))
        {
            report = await run.RunAsync();
        }

        Assert.Equal(report.Final.Tenants.Sum(t => t.Usage), report.Final.Parent.Usage);
        Assert.Equal(report.Final.Tenants.Sum(t => t.Entries), report.Final.Parent.Entries);
    }

    [Fact]
    public async Task Disposing_the_run_removes_every_cgroup_it_created()
    {
        SampleOptions options = TestCgroups.SmallRun("gone") with { Duration = TimeSpan.FromMilliseconds(100) };
        using (var run = new SampleRun(options))
        {
            await run.RunAsync();
        }

        // The name is free again only if the parent (and so every tenant under it) was removed.
        MemCgroup again = MemCgroup.Root.CreateChild(options.CgroupName);
        again.Remove();
    }

    [Fact]
    public void A_limit_the_cgroup_refuses_fails_the_run_and_leaves_no_cgroup_behind()
    {
        SampleOptions options = TestCgroups.SmallRun("badlimit") with { Limit = "1.5G" };

        var e = Assert.Throws<ArgumentException>(() => new SampleRun(options));

        Assert.Contains("memory.max", e.Message);
        Assert.Contains("1.5G", e.Message);
        MemCgroup again = MemCgroup.Root.CreateChild(options.CgroupName);
        again.Remove();
    }
}
