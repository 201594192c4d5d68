namespace KmemGen.Tests.ReadCopyUpdate;

/// <summary>
/// Stalled grace periods: a reader whose thread exited inside its section, and one that never leaves.
/// The tests change Rcu.StallTimeout and Rcu.StallLog, which are process-wide, so they run alone. Waits
/// are bounded generously (30 s) only so that a regression fails instead of hanging the run.
/// </summary>
[Collection(RcuStallCollection.Name)]
public sealed class RcuStallTests : IDisposable
{
    private static readonly TimeSpan s_generous = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _timeoutBefore = Rcu.StallTimeout;
    private readonly StringWriter _log = new();
    private readonly TextWriter _logBefore = Rcu.StallLog;

    public RcuStallTests() => Rcu.StallLog = TextWriter.Synchronized(_log);

    public void Dispose()
    {
        Rcu.StallTimeout = _timeoutBefore;
        Rcu.StallLog = _logBefore;
    }

    [Fact]
    public void Synchronize_ends_the_section_of_a_thread_that_exited_inside_it_and_reports_the_thread()
    {
        Thread dead = StartAndJoin("reader that died", () => _ = Rcu.ReadLock());
        using var reports = new StallRecorder(dead.ManagedThreadId);

        Assert.True(RunBounded(Rcu.Synchronize), "Synchronize hung on a reader whose thread had exited");

        RcuStallEventArgs report = Assert.Single(reports.Reports);
        Assert.True(report.ThreadExited);
        Assert.Equal("reader that died", report.ThreadName);
        Assert.Contains("thread 'reader that died'", report.Message);
        Assert.Contains("exited inside a read-side section", report.Message);
        Assert.Contains(report.Message, _log.ToString());
        // The section is gone: the next grace period has nothing to wait for and nothing to report.
        Assert.True(RunBounded(Rcu.Synchronize));
        Assert.Single(reports.Reports);
    }

    [Fact]
    public void Callbacks_still_run_when_a_reader_thread_exited_inside_its_section()
    {
        Thread dead = StartAndJoin("callback blocker", () => _ = Rcu.ReadLock());
        using var reports = new StallRecorder(dead.ManagedThreadId);
        using var ran = new ManualResetEventSlim();

        Rcu.Call(ran.Set);

        Assert.True(ran.Wait(s_generous), "the callback thread hung on a reader whose thread had exited");
        Assert.True(Assert.Single(reports.Reports).ThreadExited);
    }

    [Fact]
    public void A_reader_that_stays_past_StallTimeout_is_reported_by_name_and_the_grace_period_still_waits_for_it()
    {
        Rcu.StallTimeout = TimeSpan.FromMilliseconds(100);
        using var leave = new ManualResetEventSlim();
        Thread stuck = StartReaderInSection("stuck reader", leave);
        using var reports = new StallRecorder(stuck.ManagedThreadId);

        var sync = new Thread(Rcu.Synchronize) { IsBackground = true };
        sync.Start();

        Assert.True(reports.First.Wait(s_generous), "no stall was reported");
        RcuStallEventArgs report = reports.Reports[0];
        Assert.False(report.ThreadExited);
        Assert.Equal("stuck reader", report.ThreadName);
        Assert.Equal(stuck.ManagedThreadId, report.ManagedThreadId);
        Assert.True(report.Waited >= TimeSpan.FromMilliseconds(100), $"reported after {report.Waited}");
        Assert.Contains("detected stall on thread 'stuck reader'", report.Message);
        Assert.Contains(report.Message, _log.ToString());
        // A stall warning does not end the section: the writer must not free what the reader still sees.
        Assert.True(sync.IsAlive);

        leave.Set();
        Assert.True(sync.Join(s_generous));
        stuck.Join();
    }

    [Fact]
    public void With_an_infinite_StallTimeout_a_slow_reader_is_not_reported()
    {
        Rcu.StallTimeout = Timeout.InfiniteTimeSpan;
        using var leave = new ManualResetEventSlim();
        Thread slow = StartReaderInSection("slow reader", leave);
        using var reports = new StallRecorder(slow.ManagedThreadId);
        var sync = new Thread(Rcu.Synchronize) { IsBackground = true };
        sync.Start();

        Assert.False(sync.Join(300));
        leave.Set();
        Assert.True(sync.Join(s_generous));
        slow.Join();
        Assert.Empty(reports.Reports);
    }

    [Fact]
    public void A_handler_may_not_wait_for_a_grace_period_and_one_that_throws_does_not_stop_the_others()
    {
        Thread dead = StartAndJoin("handler test reader", () => _ = Rcu.ReadLock());
        Exception? fromSynchronize = null;
        bool secondRan = false;
        EventHandler<RcuStallEventArgs> first = (_, e) =>
        {
            if (e.ManagedThreadId != dead.ManagedThreadId) return;
            try { Rcu.Synchronize(); }
            catch (Exception x) { fromSynchronize = x; }
            throw new InvalidOperationException("handler failure");
        };
        EventHandler<RcuStallEventArgs> second = (_, e) => secondRan |= e.ManagedThreadId == dead.ManagedThreadId;
        Rcu.StallDetected += first;
        Rcu.StallDetected += second;
        try
        {
            Assert.True(RunBounded(Rcu.Synchronize));
        }
        finally
        {
            Rcu.StallDetected -= first;
            Rcu.StallDetected -= second;
        }

        InvalidOperationException refused = Assert.IsType<InvalidOperationException>(fromSynchronize);
        Assert.Contains("StallDetected handler", refused.Message);
        Assert.True(secondRan);
        Assert.Contains("a StallDetected handler threw InvalidOperationException: handler failure", _log.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void StallTimeout_refuses_zero_and_negative_values_and_keeps_the_old_one(int milliseconds)
    {
        Rcu.StallTimeout = TimeSpan.FromSeconds(3);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Rcu.StallTimeout = TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal("value", e.ParamName);
        Assert.Contains("Rcu.StallTimeout must be positive", e.Message);
        Assert.Equal(TimeSpan.FromSeconds(3), Rcu.StallTimeout);
    }

    [Fact]
    public void The_default_StallTimeout_is_the_kernels_21_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(21), Rcu.DefaultStallTimeout);
        Assert.Equal(Rcu.DefaultStallTimeout, _timeoutBefore);
    }

    /// <summary>Starts a thread that enters a read-side section and stays in it until <paramref name="leave"/> is set.</summary>
    private static Thread StartReaderInSection(string name, ManualResetEventSlim leave)
    {
        // Not disposed here: the reader may still be inside Set() when Wait() returns.
        var inSection = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            using RcuReadGuard rcu = Rcu.ReadLock();
            inSection.Set();
            leave.Wait();
        }) { IsBackground = true, Name = name };
        thread.Start();
        inSection.Wait();
        return thread;
    }

    [Fact]
    public void StallLog_is_standard_error_unless_set_and_null_restores_it()
    {
        Rcu.StallLog = null;
        Assert.Same(Console.Error, Rcu.StallLog);

        Rcu.StallLog = _log;
        Assert.Same(_log, Rcu.StallLog);
    }

    private static Thread StartAndJoin(string name, Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true, Name = name };
        thread.Start();
        thread.Join();
        return thread;
    }

    /// <summary>Runs <paramref name="action"/> on a background thread; false if it has not returned within 30 s.</summary>
    private static bool RunBounded(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true };
        thread.Start();
        bool returned = thread.Join(s_generous);
        if (failure is not null) throw new InvalidOperationException("the bounded call threw", failure);
        return returned;
    }

    /// <summary>Collects the StallDetected reports about one thread while it is subscribed.</summary>
    private sealed class StallRecorder : IDisposable
    {
        private readonly int _threadId;
        private readonly List<RcuStallEventArgs> _reports = [];

        public StallRecorder(int threadId)
        {
            _threadId = threadId;
            Rcu.StallDetected += OnStall;
        }

        public ManualResetEventSlim First { get; } = new();

        public IReadOnlyList<RcuStallEventArgs> Reports { get { lock (_reports) return [.. _reports]; } }

        public void Dispose()
        {
            Rcu.StallDetected -= OnStall;
            First.Dispose();
        }

        private void OnStall(object? sender, RcuStallEventArgs e)
        {
            if (e.ManagedThreadId != _threadId) return;
            lock (_reports) _reports.Add(e);
            First.Set();
        }
    }
}

/// <summary>Tests that change the process-wide RCU stall settings run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RcuStallCollection
{
    public const string Name = "RCU stall settings";
}
