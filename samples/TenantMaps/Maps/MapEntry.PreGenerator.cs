namespace KmemGen.Samples.TenantMaps.Maps;

// TEMPORARY until branch gen is merged: what the [SlabCharge] generator emits.
public unsafe partial struct MapEntry
{
    private static readonly SlabCache s_cache = SlabCache.Create("bpf_htab_elem", sizeof(MapEntry), SlabFlags.Account);
    public static SlabCache Cache => s_cache;
    public static MapEntry* Alloc(Gfp gfp = Gfp.Kernel) => (MapEntry*)s_cache.Alloc(gfp);
    public static MapEntry* TryAlloc(Gfp gfp = Gfp.Kernel) => (MapEntry*)s_cache.TryAlloc(gfp);
    public static void Free(MapEntry* obj) => s_cache.Free(obj);
}
