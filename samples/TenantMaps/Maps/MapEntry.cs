namespace KmemGen.Samples.TenantMaps.Maps;

/// <summary>
/// One hash-map element, like the kernel's <c>struct htab_elem</c>: the key, the chain link and a
/// pointer to the value, which lives in a separate Kmalloc'd block sized to the update.
/// [SlabCharge] makes the generator emit an accounted cache for it (<c>MapEntry.Cache</c>,
/// <c>Alloc</c>, <c>TryAlloc</c>, <c>Free</c>), so every element is charged to the cgroup that
/// allocated it and refunded to that cgroup when freed, whichever thread frees it.
/// </summary>
[SlabCharge(Name = "bpf_htab_elem")]
public unsafe partial struct MapEntry
{
    public ulong Key;
    public MapEntry* Next;
    public byte* Value;
    public int ValueSize;
}
