namespace KmemGen.Samples.TenantMaps.Maps;

/// <summary>
/// One decoded lookup result a tenant keeps cached (the kind of object a service holds per tenant and
/// could recompute: a parsed record, a query plan). <c>Reclaimable = true</c> counts it in
/// slab_reclaimable and makes the generator emit <c>LookupEntry.Lru</c> and <c>LookupEntry.Shrinker</c>:
/// cold entries on the LRU are freed, oldest first, when their tenant's cgroup is under pressure.
/// </summary>
[SlabCharge(Name = "tenant_lookup", Reclaimable = true)]
public unsafe partial struct LookupEntry
{
    public const int PayloadSize = 488;

    public ulong Key;
    /// <summary>Which <see cref="LookupCache"/> holds the entry, so reclaim can drop it from that cache's index.</summary>
    public int CacheId;
    public int Length;
    public fixed byte Payload[PayloadSize];
}
