using Xunit.Abstractions;

namespace KmemGen.Tests.Memcg.Stress;

/// <summary>
/// Concurrent alloc/free with cgroup creation and removal, limit changes and
/// remote charging. The default pass runs 10^6 operations; KMEMGEN_LONG_STRESS=1 runs 2*10^7.
/// Shares a collection with the page counter tests, which provoke underflows on purpose.
/// </summary>
[Collection(UnderflowCollection.Name)]
public class MemcgStressTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_threads_over_eight_limited_cgroups_keep_every_invariant_and_end_at_zero()
    {
        bool longRun = Environment.GetEnvironmentVariable("KMEMGEN_LONG_STRESS") == "1";
        long ops = longRun ? 20_000_000 : 1_000_000;
        using var harness = new MemcgStressHarness(threads: 2, totalOps: ops, checkpoints: longRun ? 200 : 20);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        harness.Run();
        output.WriteLine($"{harness} in {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Empty(harness.Violations);
        Assert.True(harness.Operations >= ops, $"ran {harness.Operations} operations");
        Assert.True(harness.CheckpointsRun >= 20);
        Assert.True(harness.Replacements > 0, "cgroups were removed while objects lived");
        Assert.True(harness.LimitWrites > 0);
        Assert.True(harness.FailedCharges > 0, "limits were hit");

        // Everything freed and every stock drained: all counters and stats are back to zero.
        var online = harness.AllCgroups.Where(c => c.IsOnline).ToList();
        Assert.All(online, cg => Assert.Equal(0, cg.Usage));
        Assert.All(online, cg => Assert.Equal(new MemoryStat(0, 0, 0, 0, 0, 0), cg.Stat));

        // Remove the rest; every removed cgroup is freed and every ObjCgroup released after a grace period.
        harness.RemoveAll();
        Rcu.Barrier();
        Assert.All(harness.AllCgroups, cg => Assert.True(cg.IsFreed, $"{cg.Path} was freed"));
        Assert.All(harness.AllObjcgs, objcg => Assert.True(objcg.IsReleased));
    }
}
