using System.Globalization;

namespace KmemGen;

// The RCU CPU stall warning: a grace period that cannot end is reported, never waited out in silence.
public static partial class Rcu
{
    /// <summary>The kernel's default CONFIG_RCU_CPU_STALL_TIMEOUT: 21 seconds.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(21);

    private static long s_stallTimeoutTicks = DefaultStallTimeout.Ticks;
    private static TextWriter? s_stallLog;

    // Set while this thread runs the StallDetected handlers: a handler that waited for a grace period
    // would wait, under the grace-period lock, for the very reader that stalls.
    [ThreadStatic] private static bool s_inStallHandler;

    /// <summary>
    /// How long a grace period waits for one reader before <see cref="StallDetected"/> is raised and a line
    /// is written to <see cref="StallLog"/>; while the stall lasts it is reported again every three timeouts.
    /// The wait itself goes on: a reader that is merely slow still ends its section. 21 s by default;
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the warning off (readers of exited threads are still
    /// ended and reported).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Zero, or negative other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public static TimeSpan StallTimeout
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref s_stallTimeoutTicks));
        set
        {
            if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    "Rcu.StallTimeout must be positive, or Timeout.InfiniteTimeSpan to turn stall warnings off.");
            }

            Volatile.Write(ref s_stallTimeoutTicks, value.Ticks);
        }
    }

    /// <summary>
    /// Raised on the thread that waits for the grace period (a <see cref="Synchronize"/> caller or the
    /// callback thread) when a reader stalls it: its thread exited inside a read-side section (the section
    /// has been ended), or it has not left its section after <see cref="StallTimeout"/>. A handler must not
    /// wait for a grace period itself (<see cref="Synchronize"/> and <see cref="Barrier"/> throw
    /// InvalidOperationException there); an exception from a handler is written to <see cref="StallLog"/>
    /// and does not stop the grace period.
    /// </summary>
    public static event EventHandler<RcuStallEventArgs>? StallDetected;

    /// <summary>Where stall reports are written, one line each: standard error unless set; null restores standard error.</summary>
    [System.Diagnostics.CodeAnalysis.AllowNull]
    public static TextWriter StallLog
    {
        get => Volatile.Read(ref s_stallLog) ?? Console.Error;
        set => Volatile.Write(ref s_stallLog, value);
    }

    /// <summary>Writes the report's line and raises <see cref="StallDetected"/>; called with the grace-period lock held.</summary>
    internal static void ReportStall(RcuStallEventArgs stall)
    {
        TextWriter log = StallLog;
        log.WriteLine(stall.Message);
        EventHandler<RcuStallEventArgs>? handlers = StallDetected;
        if (handlers is null) return;
        s_inStallHandler = true;
        try
        {
            foreach (EventHandler<RcuStallEventArgs> handler in handlers.GetInvocationList().Cast<EventHandler<RcuStallEventArgs>>())
            {
                // One failing subscriber must neither stop the others nor leave the grace period half done.
                try { handler(null, stall); }
                catch (Exception e)
                {
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"KmemGen RCU: a StallDetected handler threw {e.GetType().Name}: {e.Message}"));
                }
            }
        }
        finally
        {
            s_inStallHandler = false;
        }
    }

    private static void ThrowIfInStallHandler(string method)
    {
        if (s_inStallHandler)
        {
            throw new InvalidOperationException(
                $"Rcu.{method} inside a StallDetected handler would wait for the reader that stalls the grace period being reported.");
        }
    }
}
