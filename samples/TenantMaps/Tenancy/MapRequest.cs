using KmemGen.Samples.TenantMaps.Maps;

namespace KmemGen.Samples.TenantMaps.Tenancy;

/// <summary>One queued map operation: an update when <see cref="ValueSize"/> is positive, else a delete.</summary>
internal sealed class MapRequest(Tenant tenant, BpfMap map, ulong key, int valueSize)
    : TaskCompletionSource<MapResult>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public Tenant Tenant { get; } = tenant;
    public BpfMap Map { get; } = map;
    public ulong Key { get; } = key;
    public int ValueSize { get; } = valueSize;
}
