namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>What the tenant with the reclaimable lookup cache saw: its memory.high, usage, lookups and reclaim.</summary>
public sealed record CacheReport(
    string Tenant, long High, long Usage, long Peak, long Hits, long Misses, int Cached,
    long Reclaimed, long HighEvents, long MaxEvents, long Rejected)
{
    public string Describe() =>
        $"{Tenant} kept a lookup cache under memory.high {ByteSize.Format(High)}: usage {ByteSize.Format(Usage)} (peak {ByteSize.Format(Peak)}), " +
        $"{Hits + Misses} lookups ({Hits} hits), {Reclaimed} cold entries reclaimed, {Cached} cached, " +
        $"{HighEvents} high events, {MaxEvents} max events, {Rejected} refused updates.";
}
