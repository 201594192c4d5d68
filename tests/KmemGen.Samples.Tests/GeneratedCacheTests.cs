using KmemGen.Samples.TenantMaps.Maps;

namespace KmemGen.Samples.Tests;

/// <summary>
/// MapEntry.Cache is the generated [SlabCharge] cache: what it shows is live, Shrink works, and nothing on
/// it can end the type's only cache.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed unsafe class GeneratedCacheTests
{
    [Fact]
    public void The_generated_cache_shows_its_name_layout_and_live_objects_and_can_be_shrunk()
    {
        SlabChargeCache cache = MapEntry.Cache;
        MapEntry*[] entries = new MapEntry*[100];
        long before = cache.Stats().ActiveObjects;
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = MapEntry.Alloc();
        }

        SlabCacheStats during = cache.Stats();
        foreach (MapEntry* entry in entries)
        {
            MapEntry.Free(entry);
        }

        cache.Shrink();

        Assert.Equal("bpf_htab_elem", cache.Name);
        Assert.Equal("bpf_htab_elem", cache.ToString());
        Assert.Equal(sizeof(MapEntry), cache.ObjectSize);
        Assert.True(cache.Account);
        Assert.Equal(SlabFlags.Account, cache.Flags & SlabFlags.Account);
        Assert.Equal(before + entries.Length, during.ActiveObjects);
        Assert.True(during.TotalObjects >= during.ActiveObjects && during.Slabs * cache.ObjectsPerSlab == during.TotalObjects);
        Assert.Equal(before, cache.Stats().ActiveObjects);
        MapEntry* again = MapEntry.Alloc();
        MapEntry.Free(again);
    }

    [Fact]
    public void The_generated_cache_has_no_Dispose_and_no_Account_setter()
    {
        Type type = MapEntry.Cache.GetType();

        Assert.False(typeof(IDisposable).IsAssignableFrom(type));
        Assert.Null(type.GetMethod("Dispose"));
        Assert.Null(type.GetProperty(nameof(SlabChargeCache.Account))!.SetMethod);
    }
}
