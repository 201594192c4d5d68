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

    /// <summary>
    /// memory.high in bytes: the throttle limit. A charge that leaves the cgroup (or an ancestor) above it
    /// counts a "high" event, reclaims from the subtree and, while still above, sleeps for a penalty that
    /// grows with the overage (never fails); see <see cref="ThrottleAsync"/> for thread-pool callers.
    /// Setting it below usage reclaims down to it.
    /// </summary>
    public long High
    {
        get => Counter.High;
        set => SetHigh(value, "memory.high");
    }

    /// <summary>memory.min: hard protection. Reclaim caused by an ancestor's limit never takes this cgroup below its effective min (a share of the parent's, when siblings claim more than the parent has).</summary>
    public long Min
    {
        get => Volatile.Read(ref _min);
        set { CheckWritable("memory.min", value); Volatile.Write(ref _min, value); }
    }

    /// <summary>memory.low: best-effort protection. Reclaim caused by an ancestor's limit skips this cgroup while under its effective low, unless nothing else can be reclaimed; then it counts a "low" event.</summary>
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
            return new MemoryStat(reclaimable + unreclaimable, reclaimable, unreclaimable, kernel, percpu, vmalloc)
            {
                Pgscan = ReclaimScanned,
                Pgsteal = ReclaimFreed,
            };
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

    // After a charge: every level now above memory.high counts a "high" event (once per charge: the
    // charge's own over-high handling may have counted them before reclaiming). Nothing to walk while
    // no cgroup has a memory.high.
    internal void CheckHigh()
    {
        if (Volatile.Read(ref s_highLimited) == 0) return;
        if (s_highCounted)
        {
            s_highCounted = false;
            return;
        }
        RaiseHighEvents();
    }

    private void RaiseHighEvents()
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
    /// memory_max_write: the limit is stored first (xchg), then every thread's stock is asked to drain and,
    /// while usage is above the limit, the subtree is reclaimed (until MAX_RECLAIM_RETRIES passes free
    /// nothing). If usage is still above it, the kernel would OOM-kill; KmemGen cannot, so it counts a
    /// "max" and an "oom" event and leaves usage above the limit until objects are freed (new charges
    /// fail meanwhile).
    /// </summary>
    private void SetMax(long value, string file)
    {
        CheckWritable(file, value);
        Counter.Max = value;
        ObjStock.DrainCurrentThread();
        ObjStock.RequestDrainAll();
        ReclaimDownTo(value);
        if (Counter.Usage > value)
        {
            RaiseEvent(MemcgEvent.Max);
            RaiseEvent(MemcgEvent.Oom);
        }
    }

    /// <summary>memory_high_write: stores the limit, drains, and reclaims down to it (never fails, never counts an event).</summary>
    private void SetHigh(long value, string file)
    {
        CheckWritable(file, value);
        Counter.High = value;
        TrackHighLimit(value);
        ObjStock.DrainCurrentThread();
        ObjStock.RequestDrainAll();
        ReclaimDownTo(value);
    }

    // The write-side reclaim loop of memory_high_write / memory_max_write: reclaim the excess until
    // usage fits or MAX_RECLAIM_RETRIES passes in a row free nothing.
    private void ReclaimDownTo(long limit)
    {
        if (ShrinkerRegistry.Snapshot.Length == 0) return;
        int retries = ReclaimDriver.MaxReclaimRetries;
        MemCgroup memcg = this;
        while (Counter.Usage > limit)
        {
            long excess = Counter.Usage - limit;
            bool sawFreeable = false;
            long reclaimed = ReclaimWorker.Run(() => ReclaimWorker.TryToFreeOnline(memcg, excess, out sawFreeable));
            if (reclaimed == 0 && (!sawFreeable || retries-- == 0)) break;
        }
    }
}
