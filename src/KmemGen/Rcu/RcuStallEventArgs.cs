using System.Globalization;

namespace KmemGen;

/// <summary>One RCU stall report (<see cref="Rcu.StallDetected"/>): which thread holds the grace period up, and for how long.</summary>
public sealed class RcuStallEventArgs : EventArgs
{
    internal RcuStallEventArgs(string threadName, int managedThreadId, TimeSpan waited, bool threadExited, long gracePeriod)
    {
        ThreadName = threadName;
        ManagedThreadId = managedThreadId;
        Waited = waited;
        ThreadExited = threadExited;
        GracePeriod = gracePeriod;
        Message = threadExited
            ? string.Create(CultureInfo.InvariantCulture,
                $"KmemGen RCU: thread '{threadName}' (managed id {managedThreadId}) exited inside a read-side section; grace period {gracePeriod} ended the section after waiting {waited.TotalSeconds:0.0} s")
            : string.Create(CultureInfo.InvariantCulture,
                $"KmemGen RCU: INFO: detected stall on thread '{threadName}' (managed id {managedThreadId}): grace period {gracePeriod} has waited {waited.TotalSeconds:0.0} s for its read-side section to end");
    }

    /// <summary>The reader thread's name, or "(unnamed)".</summary>
    public string ThreadName { get; }

    /// <summary>The reader thread's <see cref="Thread.ManagedThreadId"/>.</summary>
    public int ManagedThreadId { get; }

    /// <summary>How long the grace period had waited when the report was made (the reader entered its section earlier still).</summary>
    public TimeSpan Waited { get; }

    /// <summary>True when the thread exited inside its section: the section has been ended and the grace period goes on.</summary>
    public bool ThreadExited { get; }

    /// <summary>The number of the grace period that was held up.</summary>
    public long GracePeriod { get; }

    /// <summary>The line written to <see cref="Rcu.StallLog"/>.</summary>
    public string Message { get; }

    public override string ToString() => Message;
}
