using System.Diagnostics.Metrics;

namespace KmemGen.Metrics;

/// <summary>
/// KmemGen's System.Diagnostics.Metrics instruments, on the Meter <see cref="MeterName"/>
/// (<c>dotnet-counters monitor --counters KmemGen</c>, OpenTelemetry <c>AddMeter("KmemGen")</c>).
/// Every instrument is observable: nothing is measured or allocated until a listener collects,
/// so the allocation and charge paths pay nothing for metrics.
/// Cardinality is bounded by opting in: only cgroups and caches passed to <c>Track</c> are
/// reported, at most <see cref="MaxTrackedCgroups"/> cgroups and <see cref="MaxTrackedCaches"/>
/// caches, i.e. at most 64 x 8 + 64 = 576 time series whatever the program does.
/// </summary>
public static class KmemMetrics
{
    public const string MeterName = "KmemGen";

    public const int MaxTrackedCgroups = 64;
    public const int MaxTrackedCaches = 64;

    public const string UsageInstrument = "kmemgen.cgroup.memory.usage";
    public const string LimitInstrument = "kmemgen.cgroup.memory.limit";
    public const string HighInstrument = "kmemgen.cgroup.memory.high";
    public const string PeakInstrument = "kmemgen.cgroup.memory.peak";
    public const string EventsInstrument = "kmemgen.cgroup.memory.events";
    public const string SlabObjectsInstrument = "kmemgen.slab.objects.active";

    /// <summary>Tag: the cgroup's path, e.g. "/tenants/tenant-0".</summary>
    public const string CgroupPathTag = "kmemgen.cgroup.path";
    /// <summary>Tag: the memory.events counter, "low", "high", "max" or "oom".</summary>
    public const string EventTag = "kmemgen.memory.event";
    /// <summary>Tag: the slab cache's name, e.g. "kmalloc-cg-64".</summary>
    public const string CacheTag = "kmemgen.slab.cache";

    private static readonly TrackedSet<MemCgroup> s_cgroups = new(MaxTrackedCgroups);
    private static readonly TrackedSet<SlabCache> s_caches = new(MaxTrackedCaches);
    private static readonly Meter s_meter = CreateMeter();

    /// <summary>The meter itself (created on first use of this class).</summary>
    public static Meter Meter => s_meter;

    public static IReadOnlyList<MemCgroup> TrackedCgroups => s_cgroups.Items;
    /// <summary>
    /// The names of the tracked caches. Names, not the caches: a generated type's cache is reachable only
    /// through its <see cref="SlabChargeCache"/>, which cannot be disposed, and must stay so.
    /// </summary>
    public static IReadOnlyList<string> TrackedCacheNames => [.. s_caches.Items.Select(static c => c.Name)];

    /// <summary>Reports <paramref name="cgroup"/> from now on. False when <see cref="MaxTrackedCgroups"/> are already tracked.</summary>
    public static bool Track(MemCgroup cgroup)
    {
        ArgumentNullException.ThrowIfNull(cgroup);
        return s_cgroups.Add(cgroup);
    }

    /// <summary>Stops reporting <paramref name="cgroup"/>; false when it was not tracked. Removed cgroups drop out by themselves.</summary>
    public static bool Untrack(MemCgroup cgroup)
    {
        ArgumentNullException.ThrowIfNull(cgroup);
        return s_cgroups.Remove(cgroup);
    }

    /// <summary>Reports <paramref name="cache"/>'s active objects from now on. False when <see cref="MaxTrackedCaches"/> are already tracked.</summary>
    public static bool Track(SlabCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return s_caches.Add(cache);
    }

    /// <summary>Stops reporting <paramref name="cache"/>; false when it was not tracked.</summary>
    public static bool Untrack(SlabCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return s_caches.Remove(cache);
    }

    /// <summary>Reports a <c>[SlabCharge]</c> type's cache (<c>T.Cache</c>) from now on. False when <see cref="MaxTrackedCaches"/> are already tracked.</summary>
    public static bool Track(SlabChargeCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return s_caches.Add(cache.Cache);
    }

    /// <summary>Stops reporting a <c>[SlabCharge]</c> type's cache; false when it was not tracked.</summary>
    public static bool Untrack(SlabChargeCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return s_caches.Remove(cache.Cache);
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName, typeof(KmemMetrics).Assembly.GetName().Version?.ToString());
        meter.CreateObservableUpDownCounter(UsageInstrument, () => PerCgroup(static cg => cg.Usage), "By",
            "memory.current: bytes charged to the cgroup and its descendants");
        // A limit is a setting read at a moment, not an amount that adds up across cgroups: a gauge,
        // like memory.peak. Usage stays an up-down counter (the bytes of sibling cgroups do add up).
        meter.CreateObservableGauge(LimitInstrument, () => PerCgroup(static cg => cg.Max), "By",
            "memory.max: the cgroup's hard limit (not reported while it is \"max\")");
        meter.CreateObservableGauge(HighInstrument, () => PerCgroup(static cg => cg.High), "By",
            "memory.high: the cgroup's throttle limit (not reported while it is \"max\")");
        meter.CreateObservableGauge(PeakInstrument, () => PerCgroup(static cg => cg.Peak), "By",
            "memory.peak: the highest usage since creation or the last reset");
        meter.CreateObservableCounter(EventsInstrument, Events, "{event}",
            "memory.events: times the cgroup hit low, high, max, or failed an allocation (oom)");
        meter.CreateObservableUpDownCounter(SlabObjectsInstrument, SlabObjects, "{object}",
            "objects allocated from the slab cache and not yet freed");
        return meter;
    }

    private static List<Measurement<long>> PerCgroup(Func<MemCgroup, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (MemCgroup cgroup in s_cgroups.Items)
        {
            if (!Observe(cgroup, out string path))
            {
                continue;
            }

            try
            {
                long value = read(cgroup);
                // "max" (no limit) is not a number worth plotting: leave the series out, as OpenTelemetry does for unlimited.
                if (value != long.MaxValue)
                {
                    measurements.Add(new Measurement<long>(value, new KeyValuePair<string, object?>(CgroupPathTag, path)));
                }
            }
            finally
            {
                cgroup.CssPut();
            }
        }

        return measurements;
    }

    private static List<Measurement<long>> Events()
    {
        var measurements = new List<Measurement<long>>();
        foreach (MemCgroup cgroup in s_cgroups.Items)
        {
            if (!Observe(cgroup, out string path))
            {
                continue;
            }

            try
            {
                MemoryEvents events = cgroup.Events;
                var tag = new KeyValuePair<string, object?>(CgroupPathTag, path);
                measurements.Add(new Measurement<long>(events.Low, tag, new(EventTag, "low")));
                measurements.Add(new Measurement<long>(events.High, tag, new(EventTag, "high")));
                measurements.Add(new Measurement<long>(events.Max, tag, new(EventTag, "max")));
                measurements.Add(new Measurement<long>(events.Oom, tag, new(EventTag, "oom")));
            }
            finally
            {
                cgroup.CssPut();
            }
        }

        return measurements;
    }

    private static List<Measurement<long>> SlabObjects()
    {
        var measurements = new List<Measurement<long>>();
        foreach (SlabCache cache in s_caches.Items)
        {
            measurements.Add(new Measurement<long>(SlabCacheCounts.ActiveObjects(cache), new KeyValuePair<string, object?>(CacheTag, cache.Name)));
        }

        return measurements;
    }

    /// <summary>
    /// css_tryget_online: a removed cgroup may be freed once its last reference goes, so pin it for
    /// the read, and drop it from the tracked set when it is already offline. The caller CssPuts.
    /// </summary>
    private static bool Observe(MemCgroup cgroup, out string path)
    {
        if (!cgroup.CssTryGetOnline())
        {
            s_cgroups.Remove(cgroup);
            path = "";
            return false;
        }

        path = cgroup.Path;
        return true;
    }
}
