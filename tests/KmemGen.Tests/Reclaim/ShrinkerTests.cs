using KmemGen.Tests.Memcg;

namespace KmemGen.Tests.Reclaim;

public class ShrinkerTests
{
    /// <summary>A shrinker with a fixed number of freeable objects per cgroup; it records every call.</summary>
    private sealed class CountingShrinker(string name, MemCgroup only, long objects) : Shrinker(name)
    {
        private long _left = objects;
        public readonly List<(MemCgroup Cgroup, long NrToScan)> Scans = [];
        public Func<ShrinkControl, long>? OnScan;

        public override long CountObjects(ShrinkControl sc) => sc.Cgroup == only ? Volatile.Read(ref _left) : 0;

        public override long ScanObjects(ShrinkControl sc)
        {
            lock (Scans) Scans.Add((sc.Cgroup, sc.NrToScan));
            if (OnScan is not null) return OnScan(sc);
            long n = Math.Min(sc.NrToScan, _left);
            _left -= n;
            return n;
        }
    }

    // Reclaim skips a cgroup with no usage at all (it is trivially below its min, as in the kernel), so
    // the cgroups these tests shrink hold a charge of their own.
    private static ObjCgroup Charge(MemCgroup cg, long bytes)
    {
        using (cg.Enter())
        {
            ObjCgroup objcg = ObjCgroup.FromCurrent()!;
            Assert.True(objcg.TryCharge(bytes, Gfp.NoWait));
            return objcg;
        }
    }

    private static void Uncharge(ObjCgroup objcg, long bytes)
    {
        objcg.Uncharge(bytes);
        objcg.Put();
        TestCgroups.DrainThisThread();
    }

    [Fact]
    public void Register_twice_or_unregister_twice_is_refused_with_the_name()
    {
        var s = new CountingShrinker("twice", MemCgroup.Root, 0);
        Shrinker.Register(s);
        Assert.True(s.IsRegistered);
        Assert.Contains("twice", Assert.Throws<InvalidOperationException>(() => Shrinker.Register(s)).Message);
        s.Unregister();
        Assert.False(s.IsRegistered);
        Assert.Contains("twice", Assert.Throws<InvalidOperationException>(s.Unregister).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Shrinker.Register(new CountingShrinker("zero-batch", MemCgroup.Root, 0) { BatchSize = 0 }));
    }

    [Fact]
    public void Scans_come_in_batches_and_are_counted_in_pgscan_and_pgsteal_up_the_tree()
    {
        MemCgroup parent = TestCgroups.Fresh("shrink-batches");
        MemCgroup child = parent.CreateChild("c");
        var s = Shrinker.Register(new CountingShrinker("batches", child, 1000) { BatchSize = 100 });
        ObjCgroup held = Charge(child, 1 << 16);
        try
        {
            // Nothing is charged, so nothing is measured as reclaimed: memory.reclaim reports EAGAIN,
            // but the shrinker was asked, batch by batch, and the counters saw it.
            Assert.False(parent.TryReclaim(1 << 20, out long reclaimed));
            Assert.Equal(0, reclaimed);
            Assert.NotEmpty(s.Scans);
            Assert.All(s.Scans, call => Assert.Same(child, call.Cgroup));
            Assert.All(s.Scans, call => Assert.InRange(call.NrToScan, 1, 100));
            Assert.Equal(1000, child.ReclaimFreed);
            Assert.Equal(1000, parent.ReclaimFreed);
            Assert.True(parent.ReclaimScanned >= parent.ReclaimFreed);
        }
        finally
        {
            s.Unregister();
            Uncharge(held, 1 << 16);
        }
        TestCgroups.RemoveTree(parent);
    }

    [Fact]
    public void A_shrinker_that_throws_is_contained_and_counted()
    {
        MemCgroup cg = TestCgroups.Fresh("shrink-throws");
        var s = Shrinker.Register(new CountingShrinker("throws", cg, 500));
        s.OnScan = _ => throw new InvalidOperationException("shrinker bug");
        long before = KmemGen.Internal.ReclaimDriver.ShrinkerFailures;
        ObjCgroup held = Charge(cg, 1 << 16);
        try
        {
            Assert.False(cg.TryReclaim(1 << 20, out _));
            Assert.True(KmemGen.Internal.ReclaimDriver.ShrinkerFailures > before);
            Assert.True(s.Failures > 0);
            Assert.Equal("shrinker bug", s.LastFailure?.Message);
        }
        finally
        {
            s.Unregister();
            Uncharge(held, 1 << 16);
        }
        cg.Remove();
    }

    [Fact]
    public void Remove_waits_for_a_shrinker_call_in_flight_and_no_call_names_the_cgroup_afterwards()
    {
        MemCgroup parent = TestCgroups.Fresh("shrink-remove");
        MemCgroup child = parent.CreateChild("c");
        using var inScan = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        bool removed = false;
        bool calledAfterRemove = false;
        var s = Shrinker.Register(new CountingShrinker("remove", child, 1000));
        ObjCgroup held = Charge(child, 1 << 16);
        s.OnScan = sc =>
        {
            if (Volatile.Read(ref removed)) calledAfterRemove = true;
            inScan.Set();
            release.Wait();
            return 0;
        };
        try
        {
            var reclaim = new Thread(() => parent.TryReclaim(1 << 20, out _));
            reclaim.Start();
            Assert.True(inScan.Wait(TimeSpan.FromSeconds(30)));
            var removal = new Thread(() =>
            {
                child.Remove();
                Volatile.Write(ref removed, true);
            });
            removal.Start();
            Assert.False(removal.Join(TimeSpan.FromMilliseconds(200)), "Remove waits for the shrinker call on the cgroup");
            release.Set();
            Assert.True(removal.Join(TimeSpan.FromSeconds(30)));
            Assert.True(reclaim.Join(TimeSpan.FromSeconds(30)));
            Assert.False(calledAfterRemove);
            // A later reclaim of the parent never names the removed child.
            int before = s.Scans.Count;
            parent.TryReclaim(1 << 20, out _);
            Assert.All(s.Scans.Skip(before), call => Assert.NotSame(child, call.Cgroup));
        }
        finally
        {
            release.Set();
            s.Unregister();
            Uncharge(held, 1 << 16);
        }
        parent.Remove();
    }
}
