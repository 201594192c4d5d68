using KmemGen.Internal;

namespace KmemGen;

// memory.high: reclaim, then a sleep that grows with the overage (mem_cgroup_handle_over_high).
public sealed partial class MemCgroup
{
    /// <summary>MEMCG_MAX_HIGH_DELAY_JIFFIES (2 s): the longest single throttle sleep.</summary>
    public static readonly TimeSpan MaxHighDelay = TimeSpan.FromSeconds(2);
    private const long MaxHighDelayMs = 2000;
    /// <summary>HZ / 100: a penalty this small is not worth a sleep.</summary>
    private const long MinHighDelayMs = 10;
    private const int DelayPrecisionShift = 20;   // MEMCG_DELAY_PRECISION_SHIFT
    private const int DelayScalingShift = 14;     // MEMCG_DELAY_SCALING_SHIFT
    private const long MillisecondsPerSecond = 1000;  // KmemGen's HZ: delays are in milliseconds

    // Cgroups with a memory.high below "max". While it is 0 no charge looks for an over-high level.
    private static int s_highLimited;
    private bool _highLimited;  // guarded by CgroupMutex
    private long _throttledMs;
    private long _throttles;

    /// <summary>How many times charges in this cgroup slept for memory.high, and for how long in total (milliseconds).</summary>
    internal (long Count, long Milliseconds) Throttled => (Volatile.Read(ref _throttles), Volatile.Read(ref _throttledMs));

    /// <summary>
    /// Pays, asynchronously, the memory.high penalty the current cgroup has earned: if it or an ancestor is
    /// above memory.high, reclaims from it on the reclaim thread and then waits (Task.Delay, no thread
    /// blocked) for the kernel's penalty for one charge batch, capped at <see cref="MaxHighDelay"/>.
    /// Completes synchronously, allocating nothing, when nothing is above its high.
    /// </summary>
    /// <remarks>
    /// Charges on thread-pool threads never sleep for memory.high (a sleeping pool thread would slow every
    /// tenant, not the one over its limit): their reclaim is queued, and async code that should be held back
    /// awaits this method at a natural point, for example once per request. Charges on other threads sleep
    /// in the charge.
    /// </remarks>
    public static ValueTask ThrottleAsync(CancellationToken cancellationToken = default)
    {
        MemCgroup? memcg = Current;
        while (memcg is not null && !memcg.IsOnline) memcg = memcg.Parent;
        if (memcg is null || memcg.IsRoot || Volatile.Read(ref s_highLimited) == 0 || memcg.FirstOverHigh() is null)
            return default;
        return memcg.ThrottleSlowAsync(cancellationToken);
    }

    private async ValueTask ThrottleSlowAsync(CancellationToken cancellationToken)
    {
        MemCgroup memcg = this;
        long penalty = await OverHighLoop(
            (inRetry, seen) => ReclaimWorker.RunAsync(() => ReclaimHigh(memcg, inRetry ? ReclaimDriver.SwapClusterBytes : ObjStock.BatchBytes, seen)),
            ObjStock.BatchBytes).ConfigureAwait(false);
        if (penalty == 0) return;
        RecordThrottle(penalty);
        await Task.Delay(TimeSpan.FromMilliseconds(penalty), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// mem_cgroup_handle_over_high on a thread that may sleep: reclaim from every level above its high,
    /// then, while the penalty for <paramref name="bytes"/> is still worth a sleep, reclaim again (as long as
    /// reclaim makes progress, or MAX_RECLAIM_RETRIES more times), then sleep for it, capped at 2 s.
    /// The charge itself has already succeeded and never fails for memory.high.
    /// </summary>
    private void HandleOverHigh(long bytes)
    {
        MemCgroup memcg = this;
        long penalty = OverHighLoop(
            (inRetry, seen) => Task.FromResult(ReclaimWorker.Run(() => ReclaimHigh(memcg, inRetry ? ReclaimDriver.SwapClusterBytes : bytes, seen))),
            bytes).GetAwaiter().GetResult();
        if (penalty == 0) return;
        RecordThrottle(penalty);
        Thread.Sleep(TimeSpan.FromMilliseconds(penalty));
    }

    // The retry loop shared by the blocking and the async throttle; returns the sleep to take (0: none).
    // Progress-driven retries are the kernel's; the overall cap, and stopping when nothing in the
    // subtree is reclaimable at all, are ours.
    private async Task<long> OverHighLoop(Func<bool, FreeableSeen, Task<long>> reclaim, long bytes)
    {
        int retries = ReclaimDriver.MaxReclaimRetries;
        bool inRetry = false;
        for (int round = 0; round < 4 * ReclaimDriver.MaxReclaimRetries; round++)
        {
            var seen = new FreeableSeen();
            long reclaimed = await reclaim(inRetry, seen).ConfigureAwait(false);
            long penalty = CalculateHighDelay(this, bytes);
            if (penalty <= MinHighDelayMs) return 0;
            if (reclaimed == 0 && (!seen.Any || retries-- == 0)) return Math.Min(penalty, MaxHighDelayMs);
            inRetry = true;
        }
        long last = CalculateHighDelay(this, bytes);
        return last <= MinHighDelayMs ? 0 : Math.Min(last, MaxHighDelayMs);
    }

    private void RecordThrottle(long milliseconds)
    {
        Interlocked.Increment(ref _throttles);
        Interlocked.Add(ref _throttledMs, milliseconds);
    }

    /// <summary>reclaim_high: reclaims from <paramref name="memcg"/> and each ancestor that is above its memory.high.</summary>
    private static long ReclaimHigh(MemCgroup memcg, long bytes, FreeableSeen? seen = null)
    {
        long reclaimed = 0;
        for (MemCgroup? m = memcg; m is not null && !m.IsRoot; m = m._parent)
        {
            if (!m.IsOnline || m.Usage <= m.High) continue;
            reclaimed += ReclaimDriver.TryToFree(m, bytes, out bool sawFreeable);
            if (sawFreeable && seen is not null) seen.Any = true;
        }
        return reclaimed;
    }

    // Whether a reclaim round on the reclaim thread found anything freeable (written there, read after the wait).
    private sealed class FreeableSeen
    {
        public bool Any;
    }

    /// <summary>The nearest level from this cgroup up whose usage is above its memory.high, or null.</summary>
    internal MemCgroup? FirstOverHigh()
    {
        for (MemCgroup? m = this; m is not null && !m.IsRoot; m = m._parent)
        {
            if (m.Counter.Usage > m.Counter.High) return m;
        }
        return null;
    }

    /// <summary>
    /// calculate_high_delay: the worst overage ratio ((usage - high) / high, in 2^-20 units) of this cgroup
    /// and its ancestors, squared and scaled so that a cgroup 1% over waits almost nothing, 10% over about
    /// 0.6 s per 64-page batch, and more than ~18% over hits the 2 s cap; proportional to the
    /// <paramref name="bytes"/> charged (per 64-page batch). In milliseconds, uncapped.
    /// </summary>
    internal static long CalculateHighDelay(MemCgroup memcg, long bytes)
    {
        ulong maxOverage = 0;
        for (MemCgroup? m = memcg; m is not null && !m.IsRoot; m = m._parent)
            maxOverage = Math.Max(maxOverage, CalculateOverage(m.Counter.Usage, m.Counter.High));
        if (maxOverage == 0) return 0;
        UInt128 penalty = (UInt128)maxOverage * maxOverage * MillisecondsPerSecond >> (DelayPrecisionShift + DelayScalingShift);
        penalty = penalty * (ulong)Math.Max(1, bytes >> ObjStock.PageShift) / ObjStock.ChargeBatchPages;
        return penalty > long.MaxValue ? long.MaxValue : (long)penalty;
    }

    /// <summary>calculate_overage: (usage - high) / high in 2^-20 units; 0 when usage is not above high.</summary>
    internal static ulong CalculateOverage(long usage, long high)
    {
        if (usage <= high) return 0;
        long clamped = Math.Max(high, 1);
        return (ulong)(((UInt128)(ulong)(usage - high) << DelayPrecisionShift) / (ulong)clamped);
    }

    // Keeps s_highLimited equal to the number of online cgroups with a finite memory.high.
    private void TrackHighLimit(long high)
    {
        lock (CgroupMutex)
        {
            bool limited = high != PageCounter.Unlimited && IsOnline;
            if (limited == _highLimited) return;
            _highLimited = limited;
            Interlocked.Add(ref s_highLimited, limited ? 1 : -1);
        }
    }
}
