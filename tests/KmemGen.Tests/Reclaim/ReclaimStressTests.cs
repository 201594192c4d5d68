using System.Collections.Concurrent;
using KmemGen.Internal;
using KmemGen.Tests.Memcg;
using Xunit.Abstractions;

namespace KmemGen.Tests.Reclaim;

/// <summary>
/// Several threads charge reclaimable and unreclaimable objects into leaves of a limited tree while
/// shrinkers run (charge-driven reclaim at memory.high and memory.max, and memory.reclaim writes) and
/// leaves are removed and replaced under them. Afterwards: every counter back to exactly zero, no page
/// counter underflow, no object freed twice, no shrinker failure, and no shrinker call naming a cgroup
/// whose removal had completed.
/// </summary>
[Collection(UnderflowCollection.Name)]
public unsafe class ReclaimStressTests(ITestOutputHelper output)
{
    private const int Workers = 3;
    private const int OpsPerWorker = 30_000;
    private const int Slots = 4;
    private const int MaxPinnedPerWorker = 200;

    /// <summary>Registered beside the cache's shrinker: reports any call naming a cgroup already removed.</summary>
    private sealed class RemovalWatch(ConcurrentDictionary<MemCgroup, byte> removed) : Shrinker("reclaim-stress-watch")
    {
        public long Violations;
        public long Calls;

        public override long CountObjects(ShrinkControl sc)
        {
            Interlocked.Increment(ref Calls);
            if (removed.ContainsKey(sc.Cgroup)) Interlocked.Increment(ref Violations);
            return 0;
        }

        public override long ScanObjects(ShrinkControl sc) => 0;
    }

    [Fact]
    public void Charges_shrinkers_and_removals_race_and_every_counter_ends_exact()
    {
        long underflowsBefore = PageCounter.Underflows;
        var removed = new ConcurrentDictionary<MemCgroup, byte>();
        using var cache = new ReclaimableCache("reclaim-stress", SlabFlags.ConsistencyChecks);
        var watch = Shrinker.Register(new RemovalWatch(removed));

        MemCgroup top = TestCgroups.Fresh("reclaim-stress");
        top.WriteFile("memory.max", "16M");
        top.WriteFile("memory.high", "12M");
        var leaves = new MemCgroup[Slots];
        var all = new ConcurrentBag<MemCgroup>();
        for (int i = 0; i < Slots; i++) all.Add(leaves[i] = top.CreateChild($"leaf{i}-0"));

        long failedCharges = 0, takenBack = 0, lostToReclaim = 0, replacements = 0, reclaimWrites = 0;
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();

        var controller = new Thread(() =>
        {
            var rng = new Random(7);
            int generation = 1;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    Thread.Sleep(2);
                    int slot = rng.Next(Slots);
                    MemCgroup old = Volatile.Read(ref leaves[slot]);
                    MemCgroup fresh = top.CreateChild($"leaf{slot}-{generation++}");
                    // Half the leaves get a memory.max of their own, so charges also reclaim-and-retry there.
                    if (rng.Next(2) == 0) fresh.WriteFile("memory.max", "1M");
                    all.Add(fresh);
                    Volatile.Write(ref leaves[slot], fresh);
                    old.Remove();  // objects live on: charges and LRU entries move to top
                    removed[old] = 0;
                    replacements++;
                    if (rng.Next(4) == 0)
                    {
                        reclaimWrites++;
                        try { top.WriteFile("memory.reclaim", "1M"); }
                        catch (MemoryReclaimIncompleteException) { }
                    }
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        });

        var workers = new Thread[Workers];
        for (int w = 0; w < Workers; w++)
        {
            int seed = w;
            workers[w] = new Thread(() =>
            {
                var rng = new Random(100 + seed);
                var cold = new List<nint>();
                var pinned = new List<nint>();
                try
                {
                    for (int op = 0; op < OpsPerWorker; op++)
                    {
                        MemCgroup leaf = Volatile.Read(ref leaves[rng.Next(Slots)]);
                        MemCgroupScope scope;
                        try { scope = leaf.Enter(); }
                        catch (InvalidOperationException) { continue; }  // removed just now
                        using (scope)
                        {
                            int pick = rng.Next(10);
                            try
                            {
                                if (pick < 6)
                                {
                                    cold.Add(cache.AllocCold());
                                }
                                else if (pick < 7 && pinned.Count < MaxPinnedPerWorker)
                                {
                                    pinned.Add((nint)cache.Unreclaimable.Alloc(Gfp.Kernel));
                                }
                                else if (pick < 9 && cold.Count > 0)
                                {
                                    int i = rng.Next(cold.Count);
                                    nint p = cold[i];
                                    cold[i] = cold[^1];
                                    cold.RemoveAt(cold.Count - 1);
                                    if (cache.TryTakeAndFree(p)) Interlocked.Increment(ref takenBack);
                                    else Interlocked.Increment(ref lostToReclaim);
                                }
                                else if (pinned.Count > 0)
                                {
                                    cache.Unreclaimable.Free((void*)pinned[^1]);
                                    pinned.RemoveAt(pinned.Count - 1);
                                }
                            }
                            catch (MemCgroupLimitExceededException)
                            {
                                Interlocked.Increment(ref failedCharges);
                            }
                        }
                    }
                    cache.FreePinned(pinned);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
                finally
                {
                    TestCgroups.DrainThisThread();
                }
            });
        }

        controller.Start();
        foreach (Thread t in workers) t.Start();
        foreach (Thread t in workers) t.Join();
        stop.Cancel();
        controller.Join();

        output.WriteLine($"replacements {replacements}, memory.reclaim writes {reclaimWrites}, failed charges {failedCharges}, " +
            $"taken back {takenBack}, lost to reclaim {lostToReclaim}, shrinker freed {cache.Shrinker.Freed}, watch calls {watch.Calls}, " +
            $"top events {top.Events}, pgscan {top.ReclaimScanned}, pgsteal {top.ReclaimFreed}");

        Assert.Empty(failures);
        Assert.True(replacements > 0, "leaves were removed while their objects lived");
        Assert.True(cache.Shrinker.Freed > 0, "reclaim freed objects");
        Assert.True(lostToReclaim > 0, "reclaim raced with the owners taking objects back");
        Assert.True(watch.Calls > 0);
        Assert.True(all.Sum(c => c.EventsLocal.Max) > 0, "leaves hit their memory.max and reclaimed");
        Assert.Equal(0, Volatile.Read(ref watch.Violations));
        Assert.Equal(0, cache.DoubleFrees);
        // This test's own shrinkers: the global ReclaimDriver.ShrinkerFailures also counts other tests' throwing shrinkers.
        Assert.Null(cache.Shrinker.LastFailure);
        Assert.Equal(0, cache.Shrinker.Failures);
        Assert.Equal(0, watch.Failures);
        Assert.Equal(cache.Shrinker.Freed, top.ReclaimFreed);
        // Every object still cached is on the LRU exactly once, under an online cgroup of the tree.
        Assert.Equal(cache.Live, cache.Lru.TotalCount);

        watch.Unregister();
        cache.Dispose();
        TestCgroups.DrainThisThread();
        Assert.Equal(0, cache.Live);
        Assert.Equal(0, cache.Lru.TotalCount);
        Assert.Equal(0, top.Usage);
        MemoryStat stat = top.Stat;
        Assert.Equal(0, stat.Slab);
        Assert.Equal(0, stat.Kernel);
        Assert.All(all.Where(c => c.IsOnline), c => Assert.Equal(0, c.Usage));
        Assert.Equal(underflowsBefore, PageCounter.Underflows);

        TestCgroups.RemoveTree(top);
        Rcu.Barrier();
        Assert.All(all, c => Assert.True(c.IsFreed, $"{c.Path} was freed"));
    }
}
