using System.Diagnostics;

namespace KmemGen.Samples.TenantGateway.Load;

/// <summary>Request latencies of one tenant (or one pool over a run), and their percentiles in milliseconds.</summary>
public sealed class Latencies
{
    private readonly Lock _lock = new();
    private readonly List<long> _ticks = [];

    public int Count
    {
        get
        {
            lock (_lock) return _ticks.Count;
        }
    }

    public void Add(long stopwatchTicks)
    {
        lock (_lock) _ticks.Add(stopwatchTicks);
    }

    public void AddAll(Latencies other)
    {
        long[] ticks;
        lock (other._lock) ticks = [.. other._ticks];
        lock (_lock) _ticks.AddRange(ticks);
    }

    /// <summary>The nearest-rank percentile (<paramref name="p"/> in 0..100) in ms; 0 with no samples.</summary>
    public double Percentile(double p)
    {
        long[] sorted;
        lock (_lock) sorted = [.. _ticks];
        if (sorted.Length == 0) return 0;
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }
}
