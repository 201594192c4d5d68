using System.Diagnostics;

namespace KmemGen;

/// <summary>
/// One grace period's wait for the readers that were inside a section when it began. Spins briefly (most
/// sections are short), then yields, then sleeps; once it yields, every round also checks whether the
/// reader's thread has exited and how long the wait has lasted, so a grace period never hangs unreported.
/// </summary>
internal struct GracePeriodWait
{
    /// <summary>After this long the wait sleeps a millisecond a round instead of yielding, to give the CPU back.</summary>
    private static readonly TimeSpan s_busyWaitLimit = TimeSpan.FromMilliseconds(10);

    private readonly long _gracePeriod;
    private readonly long _start;
    private readonly TimeSpan _timeout;
    private TimeSpan _nextWarning;

    public GracePeriodWait(long gracePeriod, TimeSpan stallTimeout)
    {
        _gracePeriod = gracePeriod;
        _start = Stopwatch.GetTimestamp();
        _timeout = stallTimeout;
        _nextWarning = stallTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : stallTimeout;
    }

    /// <summary>Returns once <paramref name="reader"/> has left the section it was in when the grace period began.</summary>
    public void WaitFor(RcuReader reader)
    {
        var spin = new SpinWait();
        while (!reader.HasPassed(_gracePeriod))
        {
            if (!spin.NextSpinWillYield)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            if (!reader.OwnerIsAlive)
            {
                // The owner may have left its section just before exiting: check again now that it cannot run.
                if (reader.HasPassed(_gracePeriod)) return;
                reader.EndAbandonedSection();
                Rcu.ReportStall(new RcuStallEventArgs(reader.ThreadName, reader.ManagedThreadId, Stopwatch.GetElapsedTime(_start), threadExited: true, _gracePeriod));
                return;
            }

            TimeSpan waited = Stopwatch.GetElapsedTime(_start);
            if (waited >= _nextWarning)
            {
                Rcu.ReportStall(new RcuStallEventArgs(reader.ThreadName, reader.ManagedThreadId, waited, threadExited: false, _gracePeriod));
                // The kernel repeats a stall warning every three timeouts while the stall lasts.
                _nextWarning = waited + _timeout + _timeout + _timeout;
            }

            if (waited < s_busyWaitLimit) spin.SpinOnce(sleep1Threshold: -1);
            else Thread.Sleep(1);
        }
    }
}
