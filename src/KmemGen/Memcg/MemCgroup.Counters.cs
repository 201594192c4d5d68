using KmemGen.Internal;

namespace KmemGen;

public sealed partial class MemCgroup
{
    // memory.events counts for this cgroup and its descendants; memory.events.local for it alone.
    private readonly long[] _events = new long[MemcgEvents.Count];
    private readonly long[] _eventsLocal = new long[MemcgEvents.Count];
    // memory.stat in bytes, hierarchical (a flush adds to the cgroup and every ancestor).
    private readonly long[] _stat = new long[MemcgStatItems.Count];
    private long _min;
    private long _low;

    /// <summary>memory.current: bytes charged to this cgroup and its descendants, including bytes pre-charged into per-thread stocks.</summary>
    public long Usage => Counter.Usage;

    /// <summary>memory.max in bytes (<see cref="long.MaxValue"/> = "max"). See <see cref="WriteFile"/> for lowering it below usage.</summary>
    public long Max
    {
        get => Counter.Max;
        set => SetMax(value, "memory.max");
    }

    /// <summary>memory.high in bytes: going above it counts a "high" event (no throttling in KmemGen).</summary>
    public long High
    {
        get => Counter.High;
        set => SetHigh(value, "memory.high");
    }

    /// <summary>memory.min (stored and reported; KmemGen never reclaims, so it protects nothing).</summary>
    public long Min
    {
        get => Volatile.Read(ref _min);
        set { CheckWritable("memory.min", value); Volatile.Write(ref _min, value); }
    }

    /// <summary>memory.low (stored and reported; no reclaim, so no protection and no "low" events).</summary>
    public long Low
    {
        get => Volatile.Read(ref _low);
        set { CheckWritable("memory.low", value); Volatile.Write(ref _low, value); }
    }

    /// <summary>memory.peak: the highest usage since creation or the last reset (a write to memory.peak).</summary>
    public long Peak => Counter.Watermark;

    /// <summary>How many charges this level refused (page_counter failcnt; every refused try, batch tries included).</summary>
    public long FailCount => Counter.FailCount;

    /// <summary>memory.events: this cgroup and its descendants.</summary>
    public MemoryEvents Events => ReadEvents(_events);

    /// <summary>memory.events.local: this cgroup alone.</summary>
    public MemoryEvents EventsLocal => ReadEvents(_eventsLocal);

    /// <summary>memory.stat (bytes, hierarchical). Flushes the calling thread's cached deltas first; other threads' deltas (under a page per item each) may be pending.</summary>
    public MemoryStat Stat
    {
        get
        {
            ObjStock.FlushAllStats(ThreadContext.Current);
            long reclaimable = ReadStat(MemcgStatItem.SlabReclaimable);
            long unreclaimable = ReadStat(MemcgStatItem.SlabUnreclaimable);
            long percpu = ReadStat(MemcgStatItem.Percpu);
            long vmalloc = ReadStat(MemcgStatItem.Vmalloc);
            long kernel = reclaimable + unreclaimable + percpu + vmalloc + ReadStat(MemcgStatItem.Kernel);
            return new MemoryStat(reclaimable + unreclaimable, reclaimable, unreclaimable, kernel, percpu, vmalloc);
        }
    }

    // memcg_memory_event: the local count here, the hierarchical count here and in every ancestor
    // below the root (the root has no memory.events file).
    internal void RaiseEvent(MemcgEvent ev)
    {
        Interlocked.Increment(ref _eventsLocal[(int)ev]);
        for (MemCgroup? m = this; m is not null && !m.IsRoot; m = m._parent)
            Interlocked.Increment(ref m._events[(int)ev]);
    }

    internal void AddStat(MemcgStatItem item, long delta)
    {
        for (MemCgroup? m = this; m is not null; m = m._parent)
            Interlocked.Add(ref m._stat[(int)item], delta);
    }

    // After a charge: every level now above memory.high counts a "high" event (mem_cgroup_handle_over_high
    // would throttle and reclaim; KmemGen only reports).
    internal void CheckHigh()
    {
        for (MemCgroup? m = this; m is not null && !m.IsRoot; m = m._parent)
        {
            if (m.Counter.Usage > m.Counter.High) m.RaiseEvent(MemcgEvent.High);
        }
    }

    // Stats are moved by several threads' batched deltas; the sum is transiently negative when a
    // refund is flushed before the charge it refunds. memcg_page_state_output clamps the same way.
    private long ReadStat(MemcgStatItem item) => Math.Max(0, Volatile.Read(ref _stat[(int)item]));

    private static MemoryEvents ReadEvents(long[] events) => new(
        Volatile.Read(ref events[(int)MemcgEvent.Low]),
        Volatile.Read(ref events[(int)MemcgEvent.High]),
        Volatile.Read(ref events[(int)MemcgEvent.Max]),
        Volatile.Read(ref events[(int)MemcgEvent.Oom]))
    {
        OomKill = Volatile.Read(ref events[(int)MemcgEvent.OomKill]),
    };

    private void CheckWritable(string file, long value)
    {
        if (IsRoot) throw new InvalidOperationException($"{file} cannot be set on the root cgroup.");
        if (!IsOnline) throw new InvalidOperationException($"{file} cannot be set on {Path}: the cgroup was removed.");
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, $"{file} of {Path} cannot be negative.");
    }

    /// <summary>
    /// memory_max_write: the limit is stored first (xchg), then every thread's stock is asked to drain.
    /// If usage is still above it, the kernel would reclaim and then OOM-kill; KmemGen can do neither,
    /// so it counts a "max" and an "oom" event and leaves usage above the limit until objects are freed
    /// (new charges fail meanwhile).
    /// </summary>
    private void SetMax(long value, string file)
    {
        CheckWritable(file, value);
        Counter.Max = value;
        ObjStock.DrainCurrentThread();
        ObjStock.RequestDrainAll();
        if (Counter.Usage > value)
        {
            RaiseEvent(MemcgEvent.Max);
            RaiseEvent(MemcgEvent.Oom);
        }
    }

    private void SetHigh(long value, string file)
    {
        CheckWritable(file, value);
        Counter.High = value;
        ObjStock.DrainCurrentThread();
        ObjStock.RequestDrainAll();
    }
}
