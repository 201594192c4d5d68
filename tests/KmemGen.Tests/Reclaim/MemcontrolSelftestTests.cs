using KmemGen.Tests.Memcg;
using Xunit.Abstractions;
using static KmemGen.Tests.Reclaim.Selftest;

namespace KmemGen.Tests.Reclaim;

/// <summary>
/// tools/testing/selftests/cgroup/test_memcontrol.c, the cases that apply to kernel memory reclaimed by
/// shrinkers: "page cache" is a reclaimable cache's cold objects on a ListLru, "anonymous memory without
/// swap" is objects nothing can reclaim. Sizes are the selftests' at half scale (<see cref="Selftest.MB"/>),
/// tolerances are the selftests' values_close percentages. Allocating work runs on a thread of its own:
/// charges on thread-pool threads do not sleep for memory.high.
/// </summary>
public class MemcontrolSelftestTests(ITestOutputHelper output)
{
    /// <summary>
    /// test_memcg_high: memory.high = 30M; 31M of unreclaimable memory is allocated without a failure (the
    /// charges are throttled instead); 50M of cache stays at 30M (5%); "high" events were counted, no max.
    /// </summary>
    [Fact]
    public void High_throttles_and_reclaims_but_never_fails_a_charge()
    {
        using var cache = new ReclaimableCache("sel-high");
        MemCgroup cg = MemCgroup.Root.CreateChild($"sel-high-{Guid.NewGuid():N}");
        cg.WriteFile("memory.high", (30 * MB).ToString());
        TestCgroups.OnNewThread(() =>
        {
            using (cg.Enter())
            {
                List<nint> anon = cache.FillPinned(31 * MB);
                Assert.True(cg.Usage > cg.High, "usage went above memory.high: high does not fail charges");
                Assert.True(cg.Throttled.Count > 0, "charges above memory.high with nothing to reclaim were throttled");
                cache.FreePinned(anon);
                TestCgroups.DrainThisThread();

                cache.FillCold(50 * MB);
            }
        });
        output.WriteLine($"high: current {cg.Usage / (double)MB:F2} MB units, throttled {cg.Throttled.Count}x for {cg.Throttled.Milliseconds} ms, events {cg.Events}");
        AssertClose(30 * MB, cg.Usage, 5, "memory.current after 50M of cache under memory.high = 30M");
        MemoryEvents events = cg.Events;
        Assert.True(events.High > 0);
        Assert.Equal(0, events.Max);
        Assert.Equal(0, events.Oom);
        Assert.True(cg.Stat.Pgsteal > 0, "the cache was reclaimed");
        Assert.Equal(0, cache.DoubleFrees);
        cache.Dispose();
        cg.Remove();
    }

    /// <summary>
    /// test_memcg_max: memory.max = 30M; 100M of unreclaimable memory fails (oom); 50M of cache succeeds and
    /// stays at 30M (5%), reclaimed before each charge would fail; "max" events were counted.
    /// </summary>
    [Fact]
    public void Max_reclaims_before_failing_and_fails_only_what_cannot_be_reclaimed()
    {
        using var cache = new ReclaimableCache("sel-max");
        MemCgroup cg = MemCgroup.Root.CreateChild($"sel-max-{Guid.NewGuid():N}");
        cg.WriteFile("memory.max", (30 * MB).ToString());
        long oomBeforeCache = 0;
        TestCgroups.OnNewThread(() =>
        {
            using (cg.Enter())
            {
                Assert.Throws<MemCgroupLimitExceededException>(() => cache.FillPinned(100 * MB));
                TestCgroups.DrainThisThread();
                oomBeforeCache = cg.Events.Oom;
                cache.FillCold(50 * MB);
            }
        });
        Assert.True(oomBeforeCache > 0, "the unreclaimable allocation hit oom");
        Assert.Equal(oomBeforeCache, cg.Events.Oom);
        Assert.True(cg.Usage <= cg.Max);
        output.WriteLine($"max: current {cg.Usage / (double)MB:F2} MB units, events {cg.Events}");
        AssertClose(30 * MB, cg.Usage, 5, "memory.current after 50M of cache under memory.max = 30M");
        Assert.True(cg.Events.Max > oomBeforeCache, "the cache's charges hit memory.max and were served by reclaim");
        Assert.Equal(0, cache.DoubleFrees);
        cache.Dispose();
        cg.Remove();
    }

    /// <summary>
    /// test_memcg_min / test_memcg_low (test_memcg_protection):
    /// A max = 200M; A/B min|low = 50M; A/B/C 75M, A/B/D 25M, A/B/E 0, A/B/F 500M; C, D, E hold 50M each.
    /// 148M allocated in A/G leaves B at 50M (3%), C at 29M (15%), D at 21M (20%), F at 0. Then 170M in A/G
    /// must fail under min and succeed under low (B drops to 30M, 3%); memory.reclaim still works on C;
    /// under low, C and D count "low" events, E and F none, and nobody counts oom.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Min_and_low_protect_in_proportion_to_usage(bool min)
    {
        string attribute = min ? "memory.min" : "memory.low";
        using var cache = new ReclaimableCache(min ? "sel-min" : "sel-low");
        MemCgroup a = MemCgroup.Root.CreateChild($"sel-prot-{Guid.NewGuid():N}");
        a.WriteFile("memory.max", (200 * MB).ToString());
        MemCgroup b = a.CreateChild("B");
        MemCgroup[] children = [b.CreateChild("C"), b.CreateChild("D"), b.CreateChild("E"), b.CreateChild("F")];
        b.WriteFile(attribute, (50 * MB).ToString());
        children[0].WriteFile(attribute, (75 * MB).ToString());
        children[1].WriteFile(attribute, (25 * MB).ToString());
        children[2].WriteFile(attribute, "0");
        children[3].WriteFile(attribute, (500 * MB).ToString());

        for (int i = 0; i < 3; i++)
        {
            MemCgroup child = children[i];
            TestCgroups.OnNewThread(() =>
            {
                using (child.Enter()) cache.FillCold(50 * MB);
                TestCgroups.DrainThisThread();
            });
        }
        AssertClose(150 * MB, b.Usage, 3, "B before the pressure");

        MemCgroup g = a.CreateChild("G");
        TestCgroups.OnNewThread(() =>
        {
            using (g.Enter())
            {
                List<nint> anon = cache.FillPinned(148 * MB);
                cache.FreePinned(anon);
            }
            TestCgroups.DrainThisThread();
        });

        AssertClose(50 * MB, b.Usage, 3, "B after 148M in G");
        long[] c = children.Select(ch => ch.Usage).ToArray();
        output.WriteLine($"{attribute}: B {b.Usage / (double)MB:F1}, C {c[0] / (double)MB:F1}, D {c[1] / (double)MB:F1}, E {c[2] / (double)MB:F1}, F {c[3] / (double)MB:F1} (MB units)");
        AssertClose(29 * MB, c[0], 15, "C");
        AssertClose(21 * MB, c[1], 20, "D");
        Assert.Equal(0, c[3]);

        bool failed = false;
        TestCgroups.OnNewThread(() =>
        {
            using (g.Enter())
            {
                try
                {
                    cache.FreePinned(cache.FillPinned(170 * MB));
                }
                catch (MemCgroupLimitExceededException)
                {
                    failed = true;
                }
            }
            TestCgroups.DrainThisThread();
        });
        Assert.Equal(min, failed);
        AssertClose(min ? 50 * MB : 30 * MB, b.Usage, 3, "B after 170M in G");

        Assert.True(ReclaimUntil(children[0], 10 * MB), "memory.reclaim on C brought it to 10M");

        if (!min)
        {
            for (int i = 0; i < children.Length; i++)
            {
                MemoryEvents events = children[i].Events;
                Assert.Equal(0, events.Oom);
                if (i <= 1) Assert.True(events.Low > 0, $"child {i} was reclaimed below its low and counted it");
                else Assert.Equal(0, events.Low);
            }
        }
        Assert.Equal(0, cache.DoubleFrees);
        cache.Dispose();
        TestCgroups.RemoveTree(a);
    }

    /// <summary>
    /// test_memcg_reclaim: 50M of cache, then memory.reclaim brings memory.current to 30M (reclaim_until,
    /// 3%); memory.stat's pgscan/pgsteal count it. A cgroup with nothing reclaimable answers EAGAIN.
    /// </summary>
    [Fact]
    public void Memory_reclaim_reclaims_the_amount_written_or_reports_eagain()
    {
        using var cache = new ReclaimableCache("sel-reclaim");
        MemCgroup cg = MemCgroup.Root.CreateChild($"sel-reclaim-{Guid.NewGuid():N}");
        List<nint> anon = [];
        TestCgroups.OnNewThread(() =>
        {
            using (cg.Enter()) cache.FillCold(50 * MB);
            TestCgroups.DrainThisThread();
        });
        AssertClose(50 * MB, cg.Usage, 3, "memory.current before memory.reclaim");

        Assert.True(ReclaimUntil(cg, 30 * MB));
        MemoryStat stat = cg.Stat;
        Assert.True(stat.Pgsteal > 0 && stat.Pgsteal <= stat.Pgscan, $"pgscan {stat.Pgscan}, pgsteal {stat.Pgsteal}");
        Assert.Contains($"pgsteal {stat.Pgsteal}\n", cg.ReadFile("memory.stat"));

        // Only unreclaimable memory left: EAGAIN, and what was asked is named.
        MemCgroup pinnedOnly = MemCgroup.Root.CreateChild($"sel-reclaim-pinned-{Guid.NewGuid():N}");
        TestCgroups.OnNewThread(() =>
        {
            using (pinnedOnly.Enter()) anon = cache.FillPinned(4 * MB);
            TestCgroups.DrainThisThread();
        });
        long before = pinnedOnly.Usage;
        var eagain = Assert.Throws<MemoryReclaimIncompleteException>(() => pinnedOnly.WriteFile("memory.reclaim", "1M"));
        Assert.Equal(1L << 20, eagain.Requested);
        Assert.Equal(0, eagain.Reclaimed);
        Assert.Equal(before, pinnedOnly.Usage);
        Assert.False(pinnedOnly.TryReclaim(1 << 20, out long got));
        Assert.Equal(0, got);

        cache.FreePinned(anon);
        Assert.Equal(0, cache.DoubleFrees);
        cache.Dispose();
        pinnedOnly.Remove();
        cg.Remove();
    }
}
