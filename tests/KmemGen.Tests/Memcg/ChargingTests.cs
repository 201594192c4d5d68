using KmemGen.Internal;
using static KmemGen.Tests.Memcg.TestCgroups;

namespace KmemGen.Tests.Memcg;

public class ChargingTests
{
    [Fact]
    public void A_new_cgroup_reads_zero_current_and_peak()
    {
        MemCgroup cg = Fresh("charge-new");
        Assert.Equal("0\n", cg.ReadFile("memory.current"));
        Assert.Equal("0\n", cg.ReadFile("memory.peak"));
        Assert.Equal(0, cg.FailCount);
        Assert.Equal(new MemoryStat(0, 0, 0, 0, 0, 0), cg.Stat);
        cg.Remove();
    }

    [Fact]
    public void After_N_objects_current_is_within_the_stock_bound_and_stat_slab_matches_exactly()
    {
        MemCgroup cg = Fresh("charge-bound");
        var owners = new List<uint>();
        using (cg.Enter())
        {
            for (int i = 0; i < 10_000; i++)
            {
                owners.Add(ChargeObject(96));
                long live = 96L * owners.Count;
                // memory.current leads live bytes by at most one batch (this thread's stock) plus one page of leftover.
                Assert.InRange(cg.Usage, live, live + Batch + Page);
            }
            owners.Add(ChargeObject(512, MemcgStatItem.SlabReclaimable));
        }

        MemoryStat stat = cg.Stat;
        Assert.Equal(96L * 10_000, stat.SlabUnreclaimable);
        Assert.Equal(512, stat.SlabReclaimable);
        Assert.Equal(96L * 10_000 + 512, stat.Slab);
        Assert.Equal(stat.Slab, stat.Kernel);
        // Peak = usage unless a drain (any memory.max/high write, removal or failed charge anywhere in the
        // process requests one) returned this thread's stock between the charges.
        Assert.InRange(cg.Peak, cg.Usage, 96L * 10_000 + 512 + Batch + Page);
        Assert.Contains($"slab {96L * 10_000 + 512}\n", cg.ReadFile("memory.stat"));

        FreeObject(owners[^1], 512, MemcgStatItem.SlabReclaimable);
        foreach (uint owner in owners.Take(10_000)) FreeObject(owner, 96);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        Assert.Equal(new MemoryStat(0, 0, 0, 0, 0, 0), cg.Stat);
        cg.Remove();
    }

    [Fact]
    public void Bulk_charges_count_every_object()
    {
        MemCgroup cg = Fresh("charge-bulk");
        using (cg.Enter())
        {
            uint owner = ChargeObject(64, count: 16);
            Assert.Same(cg, ChargedCgroupOf(owner));
            Assert.Equal(64 * 16, cg.Stat.SlabUnreclaimable);
            for (int i = 0; i < 16; i++) FreeObject(owner, 64);
        }
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void Stat_buckets_follow_the_item_and_kernel_sums_them()
    {
        MemCgroup cg = Fresh("charge-items");
        using (cg.Enter())
        {
            uint v = ChargeObject(8192, MemcgStatItem.Vmalloc);
            uint p = ChargeObject(256, MemcgStatItem.Percpu);
            uint k = ChargeObject(100, MemcgStatItem.Kernel);
            Assert.Equal(new MemoryStat(0, 0, 0, 8192 + 256 + 100, 256, 8192), cg.Stat);
            Assert.Equal("kernel 8548\npercpu 256\nvmalloc 8192\nslab_reclaimable 0\nslab_unreclaimable 0\nslab 0\npgscan 0\npgsteal 0\n", cg.ReadFile("memory.stat"));
            FreeObject(v, 8192, MemcgStatItem.Vmalloc);
            FreeObject(p, 256, MemcgStatItem.Percpu);
            FreeObject(k, 100, MemcgStatItem.Kernel);
        }
        DrainThisThread();
        cg.Remove();
    }

    [Fact]
    public void Beyond_max_charges_fail_usage_never_exceeds_max_and_failures_are_counted()
    {
        MemCgroup cg = Fresh("charge-max");
        cg.WriteFile("memory.max", "1M");
        var owners = new List<uint>();
        int failures = 0;
        using (cg.Enter())
        {
            for (int i = 0; i < 1100; i++)
            {
                uint owner = ChargeObject(1000);
                if (owner == MemcgHooks.ChargeFailed) failures++;
                else owners.Add(owner);
                Assert.True(cg.Usage <= 1 << 20);
            }
        }
        // Byte-granular stock: every byte up to the limit is usable, none beyond it.
        Assert.Equal((1 << 20) / 1000, owners.Count);
        Assert.Equal(1100 - owners.Count, failures);
        Assert.Equal(failures, cg.EventsLocal.Max);
        Assert.Equal(failures, cg.Events.Oom);
        Assert.True(cg.FailCount >= failures);
        Assert.Equal(cg.Usage, cg.Peak);

        foreach (uint owner in owners) FreeObject(owner, 1000);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void The_failure_exception_names_cgroup_limit_usage_and_request()
    {
        MemCgroup cg = Fresh("charge-message");
        cg.Max = 8192;
        using (cg.Enter())
        {
            uint first = ChargeObject(8000);
            Assert.Equal(MemcgHooks.ChargeFailed, ChargeObject(4000));
            OutOfMemoryException error = MemcgHooks.ChargeFailure(ThreadContext.Current, 4000);

            var limit = Assert.IsType<MemCgroupLimitExceededException>(error);
            Assert.Equal(cg.Path, limit.CgroupPath);
            Assert.Equal(8192, limit.Limit);
            Assert.Equal(8192, limit.Usage);
            Assert.Equal(4000, limit.Request);
            Assert.Contains(cg.Path, error.Message);
            Assert.Contains("8192", error.Message);
            Assert.Contains("4000", error.Message);
            FreeObject(first, 8000);
        }
        DrainThisThread();
        cg.Remove();
    }

    [Fact]
    public void NoFail_forces_the_charge_past_max_after_counting_the_failure()
    {
        MemCgroup cg = Fresh("charge-nofail");
        cg.Max = 4096;
        using (cg.Enter())
        {
            uint owner = ChargeObject(10_000, gfp: Gfp.KernelAccount | Gfp.NoFail);
            Assert.NotEqual(MemcgHooks.ChargeFailed, owner);
            Assert.True(cg.Usage > cg.Max);
            Assert.Equal(1, cg.EventsLocal.Max);
            Assert.Equal(1, cg.EventsLocal.Oom);
            FreeObject(owner, 10_000);
        }
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void NoWait_fails_at_once_without_max_or_oom_events()
    {
        MemCgroup cg = Fresh("charge-nowait");
        cg.Max = 4096;
        using (cg.Enter())
        {
            Assert.Equal(MemcgHooks.ChargeFailed, ChargeObject(10_000, gfp: Gfp.KernelAccount | Gfp.NoWait));
        }
        Assert.Equal(new MemoryEvents(0, 0, 0, 0), cg.EventsLocal);
        Assert.True(cg.FailCount > 0);
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void Going_over_high_counts_high_events_but_does_not_fail()
    {
        MemCgroup cg = Fresh("charge-high");
        cg.WriteFile("memory.high", "64K");
        using (cg.Enter())
        {
            uint owner = ChargeObject(100_000);
            Assert.NotEqual(MemcgHooks.ChargeFailed, owner);
            FreeObject(owner, 100_000);
        }
        Assert.True(cg.Events.High > 0);
        Assert.Contains($"high {cg.Events.High}\n", cg.ReadFile("memory.events"));
        DrainThisThread();
        cg.Remove();
    }

    [Fact]
    public void A_child_charge_shows_in_every_ancestor_and_events_propagate_upward()
    {
        MemCgroup a = Fresh("charge-hier");
        MemCgroup b = a.CreateChild("b");
        MemCgroup c = b.CreateChild("c");
        c.Max = 8192;
        using (c.Enter())
        {
            uint owner = ChargeObject(5000);
            Assert.Equal([c.Usage, c.Usage], [b.Usage, a.Usage]);
            Assert.Equal(5000, a.Stat.SlabUnreclaimable);
            Assert.Equal(MemcgHooks.ChargeFailed, ChargeObject(5000));
            FreeObject(owner, 5000);
        }
        Assert.Equal(1, c.EventsLocal.Max);
        Assert.Equal(0, b.EventsLocal.Max);
        Assert.Equal(1, b.Events.Max);
        Assert.Equal(1, a.Events.Max);
        DrainThisThread();
        Assert.Equal([0L, 0L, 0L], [a.Usage, b.Usage, c.Usage]);
        RemoveTree(a);
    }

    [Fact]
    public void A_failure_at_the_grandparent_unwinds_child_and_parent_exactly()
    {
        MemCgroup grandparent = Fresh("charge-unwind");
        MemCgroup parent = grandparent.CreateChild("parent");
        MemCgroup child = parent.CreateChild("child");
        MemCgroup sibling = grandparent.CreateChild("sibling");
        grandparent.Max = 512 * 1024;

        var held = new List<uint>();
        using (sibling.Enter()) held.Add(ChargeObject(200 * 1024));
        DrainThisThread();
        long siblingUsage = sibling.Usage;

        long childBefore;
        using (child.Enter())
        {
            held.Add(ChargeObject(100 * 1024));
            childBefore = child.Usage;
            Assert.Equal(MemcgHooks.ChargeFailed, ChargeObject(400 * 1024));
        }

        Assert.Equal(childBefore, child.Usage);
        Assert.Equal(childBefore, parent.Usage);
        Assert.Equal(childBefore + siblingUsage, grandparent.Usage);
        Assert.True(grandparent.Usage <= grandparent.Max);
        Assert.True(grandparent.FailCount > 0);
        Assert.Equal([0L, 0L], [child.FailCount, parent.FailCount]);
        Assert.Equal(1, grandparent.EventsLocal.Max);
        Assert.Equal(0, child.EventsLocal.Max);

        var error = Assert.IsType<MemCgroupLimitExceededException>(MemcgHooks.ChargeFailure(ThreadContext.Current, 400 * 1024));
        Assert.Equal(grandparent.Path, error.CgroupPath);

        FreeObject(held[1], 100 * 1024);
        DrainThisThread();
        FreeObject(held[0], 200 * 1024);
        DrainThisThread();
        Assert.Equal(0, grandparent.Usage);
        RemoveTree(grandparent);
    }

    [Fact]
    public void Writing_max_drains_the_writers_stock_so_current_is_live_bytes_rounded_to_a_page()
    {
        MemCgroup cg = Fresh("charge-drain-max");
        uint owner;
        using (cg.Enter()) owner = ChargeObject(100);
        Assert.Equal(Batch, cg.Usage);

        cg.WriteFile("memory.max", "1M");

        Assert.Equal(Page, cg.Usage);
        FreeObject(owner, 100);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void Lowering_max_below_usage_keeps_the_charges_counts_events_and_refuses_new_ones()
    {
        MemCgroup cg = Fresh("charge-lower");
        uint owner;
        using (cg.Enter()) owner = ChargeObject(64 * 1024);
        cg.Max = 16 * 1024;

        Assert.Equal(64 * 1024, cg.Usage);
        Assert.Equal(1, cg.EventsLocal.Max);
        Assert.Equal(1, cg.EventsLocal.Oom);
        using (cg.Enter()) Assert.Equal(MemcgHooks.ChargeFailed, ChargeObject(64));

        FreeObject(owner, 64 * 1024);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void Another_threads_stock_drains_at_its_next_operation_after_a_limit_write()
    {
        MemCgroup cg = Fresh("charge-drain-remote");
        MemCgroup other = Fresh("charge-drain-other");
        using var charged = new ManualResetEventSlim();
        using var limitWritten = new ManualResetEventSlim();
        uint owner = 0;
        var worker = new Thread(() =>
        {
            using (cg.Enter()) owner = ChargeObject(100);
            charged.Set();
            limitWritten.Wait();
            using (other.Enter()) FreeObject(ChargeObject(64), 64);  // any stock operation
            DrainThisThread();
        });
        worker.Start();
        charged.Wait();
        Assert.Equal(Batch, cg.Usage);
        cg.WriteFile("memory.max", "max");
        limitWritten.Set();
        worker.Join();

        Assert.Equal(Page, cg.Usage);
        FreeObject(owner, 100);
        DrainThisThread();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
        other.Remove();
    }

    [Fact]
    public void A_thread_that_exits_has_its_stock_drained()
    {
        MemCgroup cg = Fresh("charge-exit");
        TestCgroups.OnNewThread(() =>
        {
            using (cg.Enter()) FreeObject(ChargeObject(100), 100);
            Assert.Equal(Batch, cg.Usage);  // the whole batch sits in this thread's stock as it exits
        });

        for (int i = 0; i < 50 && cg.Usage != 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (cg.Usage != 0) Thread.Sleep(20);
        }
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }
}
