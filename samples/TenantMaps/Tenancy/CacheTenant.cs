using KmemGen.Samples.TenantMaps.Maps;
using KmemGen.Samples.TenantMaps.Reporting;

namespace KmemGen.Samples.TenantMaps.Tenancy;

/// <summary>
/// The first tenant also keeps a reclaimable lookup cache and runs under memory.high = half its memory.max:
/// its cache keeps growing with new keys, and reclaim keeps it near memory.high by freeing its coldest
/// entries, without failing or throttling it, while the flooding tenant still hits memory.max.
/// </summary>
internal static class CacheTenant
{
    /// <summary>Distinct keys the cache tenant looks up: far more than fit under its memory.high.</summary>
    public const int KeySpace = 1 << 16;
    /// <summary>The smallest memory.max that gets the cache demo (memory.high is half of it).</summary>
    public const long MinLimit = 4L << 20;

    /// <summary>Lookups per map request.</summary>
    public const int LookupsPerRequest = 4;

    public static void Enable(Tenant tenant)
    {
        long max = tenant.Cgroup.Max;
        if (max == long.MaxValue || max < MinLimit)
        {
            // No limit to stay under, or one so small that the per-thread charge stocks (up to 256 KiB
            // each for the tenant's thread and every shared worker, all counted in memory.current)
            // alone could keep the tenant above memory.high: the shared workers, which charge on the
            // tenant's behalf, would then be throttled for it and slow every tenant. No cache demo.
            return;
        }

        tenant.Cgroup.High = max / 2;
        tenant.Lookups = new LookupCache();
    }

    /// <summary>The cache tenant's lookups for one request, on its own thread (charged to it).</summary>
    public static void Lookups(Tenant tenant, Random random)
    {
        if (tenant.Lookups is not { } cache)
        {
            return;
        }

        for (int i = 0; i < LookupsPerRequest; i++)
        {
            cache.Lookup((ulong)random.Next(KeySpace));
        }
    }

    public static CacheReport? Report(Tenant tenant, RunSnapshot final)
    {
        if (tenant.Lookups is not { } cache)
        {
            return null;
        }

        TenantRow row = final.Tenants.Single(t => t.Name == tenant.Name);
        MemoryStat stat = tenant.Cgroup.Stat;
        return new CacheReport(tenant.Name, tenant.Cgroup.High, row.Usage, row.Peak, cache.Hits, cache.Misses, cache.Count,
            stat.Pgsteal, row.Events.High, tenant.Cgroup.Events.Max, row.RejectedUpdates);
    }
}
