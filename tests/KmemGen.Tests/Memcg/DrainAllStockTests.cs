using KmemGen.Internal;

namespace KmemGen.Tests.Memcg;

/// <summary>MemCgroup.DrainAllStock / DrainStock: the public drain_all_stock, and one exit path for a thread's state.</summary>
public unsafe class DrainAllStockTests
{
    [Fact]
    public void An_exited_threads_stock_is_drained_by_DrainAllStock_without_waiting_for_the_GC()
    {
        MemCgroup cg = TestCgroups.Fresh("drain-exited");
        TestCgroups.OnNewThread(() =>
        {
            using (cg.Enter()) TestCgroups.FreeObject(TestCgroups.ChargeObject(100), 100);
            Assert.Equal(TestCgroups.Batch, cg.Usage);   // the whole batch sits in the exiting thread's stock
        });
        MemCgroup.DrainAllStock();
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void DrainStock_of_a_cgroup_drains_an_exited_thread_and_the_calling_threads_stock_of_that_subtree()
    {
        MemCgroup parent = TestCgroups.Fresh("drain-scope");
        MemCgroup child = parent.CreateChild("child");
        TestCgroups.OnNewThread(() =>
        {
            using (child.Enter()) TestCgroups.FreeObject(TestCgroups.ChargeObject(64), 64);
        });
        using (child.Enter()) TestCgroups.FreeObject(TestCgroups.ChargeObject(64), 64);
        Assert.True(parent.Usage > 0);
        parent.DrainStock();
        Assert.Equal(0, parent.Usage);
        child.Remove();
        parent.Remove();
    }

    [Fact]
    public void An_exited_threads_slabs_and_pages_come_back_on_DrainAllStock()
    {
        using var cache = SlabCache.Create("drain-slabs", 128, SlabFlags.Account);
        MemCgroup cg = TestCgroups.Fresh("drain-slabs");
        TestCgroups.OnNewThread(() =>
        {
            using (cg.Enter())
            {
                var objs = new nint[cache.ObjectsPerSlab * 3];
                for (int i = 0; i < objs.Length; i++) objs[i] = (nint)cache.Alloc();
                foreach (nint p in objs) cache.Free((void*)p);
            }
            Assert.Equal(3, cache.SlabCount);   // the exiting thread keeps its emptied slabs
        });
        MemCgroup.DrainAllStock();
        // Its slabs went to the node list; Shrink gives the empty ones back.
        Assert.Equal(3, cache.PartialCount);
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
        Assert.Equal(0, cg.Usage);
        cg.Remove();
    }

    [Fact]
    public void Every_thread_context_is_registered_until_its_exit_is_handled()
    {
        // Checked while the thread still runs: once it has exited, any test running in parallel that
        // handles exited threads (DrainAllStock, a reap) may take it out first.
        ThreadContext? seen = null;
        using var registered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            seen = ThreadContext.Current;
            registered.Set();
            release.Wait();
        });
        thread.Start();
        registered.Wait();
        Assert.Contains(seen!, ThreadRegistry.Snapshot());
        release.Set();
        thread.Join();
        MemCgroup.DrainAllStock();
        Assert.DoesNotContain(seen!, ThreadRegistry.Snapshot());
    }
}
