using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using KmemGen.Metrics;

namespace KmemGen.AspNetCore;

/// <summary>
/// The pools' instruments, on KmemGen's own meter (<see cref="KmemMetrics.Meter"/>, so
/// <c>dotnet-counters monitor --counters KmemGen</c> shows them beside the cgroups), tagged with the
/// pool owner and the cgroup it charges. Observable only: renting never touches the meter.
/// </summary>
public static class KmemGenPoolMetrics
{
    public const string RentedInstrument = "kmemgen.memory_pool.rented";
    public const string RentsInstrument = "kmemgen.memory_pool.rents";
    public const string RefusalsInstrument = "kmemgen.memory_pool.refusals";

    /// <summary>Tag: the pools' owner (MemoryPoolOptions.Owner, "kestrel" for Kestrel); the cgroup path tag tells owners and endpoints apart.</summary>
    public const string OwnerTag = "kmemgen.pool.owner";

    /// <summary>At most this many owner groups are reported (over all factories): the series stay bounded.</summary>
    public const int MaxReportedGroups = 64;

    // Weak keys: a factory of a stopped host drops out once collected, with no unregister call.
    private static readonly ConditionalWeakTable<KmemGenMemoryPoolFactory, object?> s_factories = new();

    static KmemGenPoolMetrics()
    {
        Meter meter = KmemMetrics.Meter;
        meter.CreateObservableUpDownCounter(RentedInstrument, () => PerGroup(static g => g.BytesRented), "By",
            "bytes of pool blocks rented and not yet returned, by owner");
        meter.CreateObservableCounter(RentsInstrument, () => PerGroup(static g => g.Rents), "{rent}",
            "pool blocks rented, by owner");
        meter.CreateObservableCounter(RefusalsInstrument, () => PerGroup(static g => g.Refusals), "{rent}",
            "rents a cgroup's memory.max refused, by owner");
    }

    internal static void Register(KmemGenMemoryPoolFactory factory) => s_factories.AddOrUpdate(factory, null);

    private static List<Measurement<long>> PerGroup(Func<PoolGroup, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (KeyValuePair<KmemGenMemoryPoolFactory, object?> entry in s_factories)
        {
            foreach (PoolGroup group in entry.Key.Groups)
            {
                if (measurements.Count == MaxReportedGroups) return measurements;
                measurements.Add(new Measurement<long>(read(group),
                    new KeyValuePair<string, object?>(OwnerTag, group.Owner),
                    new KeyValuePair<string, object?>(KmemMetrics.CgroupPathTag, group.Cgroup.Path)));
            }
        }
        return measurements;
    }
}
