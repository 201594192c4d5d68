namespace KmemGen.Tests.ReadCopyUpdate;

public class RcuTests
{
    [Fact]
    public void Read_sections_nest_and_only_the_outermost_dispose_ends_the_section()
    {
        Assert.False(Rcu.IsReadLockHeld);
        using (Rcu.ReadLock())
        {
            using (Rcu.ReadLock()) Assert.True(Rcu.IsReadLockHeld);
            Assert.True(Rcu.IsReadLockHeld);
        }
        Assert.False(Rcu.IsReadLockHeld);
    }

    [Fact]
    public void Disposing_a_guard_twice_ends_only_its_own_section()
    {
        using var outer = Rcu.ReadLock();
        var inner = Rcu.ReadLock();
        inner.Dispose();
        inner.Dispose();
        Assert.True(Rcu.IsReadLockHeld);
    }

    [Fact]
    public void Synchronize_inside_a_read_section_is_refused()
    {
        using var rcu = Rcu.ReadLock();
        Assert.Throws<InvalidOperationException>(() => Rcu.Synchronize());
        Assert.Throws<InvalidOperationException>(() => Rcu.Barrier());
    }

    [Fact]
    public void Synchronize_waits_for_a_reader_that_started_before_it()
    {
        using var inSection = new ManualResetEventSlim();
        using var leave = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            using var rcu = Rcu.ReadLock();
            inSection.Set();
            leave.Wait();
        });
        reader.Start();
        inSection.Wait();

        var sync = new Thread(Rcu.Synchronize);
        sync.Start();
        Assert.False(sync.Join(200));

        leave.Set();
        Assert.True(sync.Join(10_000));
        reader.Join();
    }

    [Fact]
    public void Synchronize_does_not_wait_for_readers_that_are_outside_their_section()
    {
        using var done = new ManualResetEventSlim();
        var idle = new Thread(() =>
        {
            using (Rcu.ReadLock()) { }
            done.Wait();
        });
        idle.Start();
        var sync = new Thread(Rcu.Synchronize);
        sync.Start();
        Assert.True(sync.Join(10_000));
        done.Set();
        idle.Join();
    }

    [Fact]
    public void A_replaced_pointer_is_never_seen_freed_by_a_reader()
    {
        // The classic RCU pattern: readers dereference under ReadLock; the writer publishes a new
        // object, waits a grace period, then "frees" the old one. No reader may see a freed object.
        var current = new Box();
        bool stop = false;
        int violations = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                using var rcu = Rcu.ReadLock();
                Box seen = Volatile.Read(ref current);
                Thread.SpinWait(20);
                if (Volatile.Read(ref seen.Freed)) Interlocked.Increment(ref violations);
            }
        })).ToList();
        readers.ForEach(t => t.Start());

        for (int i = 0; i < 200; i++)
        {
            Box old = Interlocked.Exchange(ref current, new Box());
            Rcu.Synchronize();
            Volatile.Write(ref old.Freed, true);
        }
        Volatile.Write(ref stop, true);
        readers.ForEach(t => t.Join());
        Assert.Equal(0, violations);
    }

    private sealed class Box
    {
        public bool Freed;
    }

    [Fact]
    public void Call_runs_the_callback_only_after_the_current_readers_leave()
    {
        using var inSection = new ManualResetEventSlim();
        using var leave = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            using var rcu = Rcu.ReadLock();
            inSection.Set();
            leave.Wait();
        });
        reader.Start();
        inSection.Wait();

        int ran = 0;
        Rcu.Call(() => Interlocked.Increment(ref ran));
        Thread.Sleep(200);
        Assert.Equal(0, Volatile.Read(ref ran));

        leave.Set();
        reader.Join();
        Rcu.Barrier();
        Assert.Equal(1, Volatile.Read(ref ran));
    }

    [Fact]
    public void Call_runs_each_callback_exactly_once()
    {
        int ran = 0;
        for (int i = 0; i < 100; i++) Rcu.Call(() => Interlocked.Increment(ref ran));
        Rcu.Synchronize();
        Rcu.Barrier();
        Rcu.Barrier();
        Assert.Equal(100, Volatile.Read(ref ran));
    }

    [Fact]
    public void A_throwing_callback_does_not_stop_the_others()
    {
        int ran = 0;
        int failuresBefore = KmemGen.RcuCallbacks.Failures;
        Rcu.Call(() => throw new InvalidOperationException("callback failure"));
        Rcu.Call(() => Interlocked.Increment(ref ran));
        Rcu.Barrier();
        Assert.Equal(1, Volatile.Read(ref ran));
        Assert.True(KmemGen.RcuCallbacks.Failures > failuresBefore);
    }

    [Fact]
    public void Call_rejects_null()
    {
        Assert.Throws<ArgumentNullException>(() => Rcu.Call(null!));
    }
}
