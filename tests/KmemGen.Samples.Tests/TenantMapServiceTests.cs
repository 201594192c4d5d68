using KmemGen.Samples.TenantMaps.Maps;
using KmemGen.Samples.TenantMaps.Tenancy;

namespace KmemGen.Samples.Tests;

/// <summary>The map service on its own: who is charged for what, and when it is refunded.</summary>
public sealed class TenantMapServiceTests : IDisposable
{
    private readonly TenantMapService _service = new(TestCgroups.UniqueName("svc"), workers: 2);

    public void Dispose() => _service.Dispose();

    [Fact]
    public void A_new_map_charges_its_bucket_array_to_the_tenant_that_created_it()
    {
        Tenant tenant = _service.AddTenant("a", "4M");
        Tenant other = _service.AddTenant("b", "4M");

        _service.CreateMap(tenant, "a/map", buckets: 1024);

        Assert.True(tenant.Cgroup.Usage >= 1024 * sizeof(long), $"usage {tenant.Cgroup.Usage}");
        Assert.Equal(0, other.Cgroup.Usage);
    }

    [Fact]
    public async Task An_update_run_by_a_shared_worker_is_charged_to_the_map_creator_not_the_worker()
    {
        Tenant tenant = _service.AddTenant("a", "4M");
        Tenant other = _service.AddTenant("b", "4M");
        BpfMap map = _service.CreateMap(tenant, "a/map", buckets: 16);
        long afterCreate = tenant.Cgroup.Usage;
        long slabBefore = tenant.Cgroup.Stat.Slab;

        // Submitted from this thread, run on a worker: the billing follows the map, not either thread.
        for (ulong key = 0; key < 100; key++)
        {
            Assert.Equal(MapResult.Ok, await _service.UpdateAsync(other, map, key, valueSize: 1000));
        }

        Assert.Equal(100, map.Count);
        Assert.True(tenant.Cgroup.Usage >= afterCreate + 100 * 1000, $"usage {tenant.Cgroup.Usage}");
        Assert.True(tenant.Cgroup.Stat.Slab >= slabBefore + 100 * 1000 - TestCgroups.StatLag, $"slab {tenant.Cgroup.Stat.Slab}");
        Assert.Equal(0, other.Cgroup.Usage);
        Assert.Equal(200, map.Allocations);
    }

    [Fact]
    public async Task Replacing_values_refunds_the_old_ones()
    {
        Tenant tenant = _service.AddTenant("a", "4M");
        BpfMap map = _service.CreateMap(tenant, "a/map", buckets: 16);
        for (ulong key = 0; key < 20; key++)
        {
            Assert.Equal(MapResult.Ok, await _service.UpdateAsync(tenant, map, key, valueSize: 4000));
        }

        long slabWithBigValues = tenant.Cgroup.Stat.Slab;
        for (ulong key = 0; key < 20; key++)
        {
            Assert.Equal(MapResult.Ok, await _service.UpdateAsync(tenant, map, key, valueSize: 16));
        }

        Assert.Equal(20, map.Count);
        Assert.True(map.TryLookup(7, out int size));
        Assert.Equal(16, size);
        Assert.True(slabWithBigValues >= 20 * 4000 - TestCgroups.StatLag, $"slab {slabWithBigValues}");
        Assert.True(tenant.Cgroup.Stat.Slab <= TestCgroups.StatLag, $"slab {tenant.Cgroup.Stat.Slab} still holds the old values");
    }

    [Fact]
    public async Task Delete_refunds_and_a_missing_key_is_not_found()
    {
        Tenant tenant = _service.AddTenant("a", "4M");
        BpfMap map = _service.CreateMap(tenant, "a/map", buckets: 16);
        for (ulong key = 0; key < 20; key++)
        {
            await _service.UpdateAsync(tenant, map, key, valueSize: 4000);
        }

        long slabFull = tenant.Cgroup.Stat.Slab;
        for (ulong key = 0; key < 20; key++)
        {
            Assert.Equal(MapResult.Ok, await _service.DeleteAsync(tenant, map, key));
        }

        Assert.Equal(MapResult.NotFound, await _service.DeleteAsync(tenant, map, 1));
        Assert.Equal(0, map.Count);
        Assert.False(map.TryLookup(1, out _));
        Assert.True(slabFull >= 20 * 4000 - TestCgroups.StatLag, $"slab {slabFull}");
        Assert.True(tenant.Cgroup.Stat.Slab <= TestCgroups.StatLag, $"slab {tenant.Cgroup.Stat.Slab} after deleting everything");
    }

    [Fact]
    public async Task An_update_over_the_limit_returns_NoMemory_with_the_cgroup_message_and_changes_nothing()
    {
        Tenant tenant = _service.AddTenant("small", "64K", floods: true);
        BpfMap map = _service.CreateMap(tenant, "small/map", buckets: 16);
        MapResult result = MapResult.Ok;
        ulong key = 0;
        while (result == MapResult.Ok && key < 10_000)
        {
            result = await _service.UpdateAsync(tenant, map, key++, valueSize: 4096);
        }

        Assert.Equal(MapResult.NoMemory, result);
        Assert.Equal((int)key - 1, map.Count);
        Assert.False(map.TryLookup(key - 1, out _));
        Assert.Equal(1, tenant.RejectedUpdates);
        Assert.NotNull(tenant.FirstLimitMessage);
        Assert.Contains(tenant.Cgroup.Path, tenant.FirstLimitMessage);
        Assert.True(tenant.Cgroup.FailCount > 0);
        Assert.True(tenant.Cgroup.Usage <= tenant.Cgroup.Max);
    }

    [Fact]
    public async Task Shutdown_destroys_every_map_and_refunds_every_byte()
    {
        Tenant a = _service.AddTenant("a", "4M");
        Tenant b = _service.AddTenant("b", "4M");
        BpfMap mapA = _service.CreateMap(a, "a/map", buckets: 64);
        BpfMap mapB = _service.CreateMap(b, "b/map", buckets: 64);
        for (ulong key = 0; key < 50; key++)
        {
            await _service.UpdateAsync(a, mapA, key, valueSize: 300);
            await _service.UpdateAsync(b, mapB, key, valueSize: 700);
        }

        _service.Shutdown();

        Assert.True(mapA.IsDestroyed && mapB.IsDestroyed);
        Assert.Equal(0, a.Cgroup.Usage);
        Assert.Equal(0, b.Cgroup.Usage);
        Assert.Equal(0, _service.Parent.Usage);
        Assert.Throws<ObjectDisposedException>(() => mapA.Delete(1));
    }

    [Fact]
    public void A_bad_limit_is_refused_by_the_cgroup_and_leaves_no_tenant()
    {
        var e = Assert.Throws<ArgumentException>(() => _service.AddTenant("a", "-1"));

        Assert.Contains("memory.max", e.Message);
        Assert.Empty(_service.Tenants);
        Tenant again = _service.AddTenant("a", "4M");
        Assert.Equal(4L << 20, again.Cgroup.Max);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(131072)]
    public void A_bucket_count_that_is_not_a_power_of_two_up_to_65536_is_refused_before_anything_is_charged(int buckets)
    {
        Tenant tenant = _service.AddTenant("a", "4M");

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _service.CreateMap(tenant, "a/map", buckets));

        Assert.Equal("buckets", e.ParamName);
        Assert.Equal(0, tenant.Cgroup.Usage);
        Assert.Empty(tenant.Maps);
    }
}

/// <summary>A map may outlive the cgroup of the tenant that created it, as a pinned BPF map outlives its creator.</summary>
public sealed class MapOutlivesItsCreatorTests
{
    [Fact]
    public void Updates_after_the_creator_cgroup_is_removed_are_charged_to_its_parent()
    {
        MemCgroup parent = MemCgroup.Root.CreateChild(TestCgroups.UniqueName("outlive"));
        MemCgroup creator = parent.CreateChild("creator");
        BpfMap map;
        using (creator.Enter())
        {
            map = BpfMap.Create("pinned", buckets: 16);
        }

        // rmdir with the map alive: the map's ObjCgroup is reparented, so later charges go to the parent.
        creator.Remove();
        long before = parent.Usage;
        MapResult result = map.Update(1, valueSize: 300_000, fill: 1, out string? error);

        Assert.Equal(MapResult.Ok, result);
        Assert.Null(error);
        Assert.True(parent.Usage >= before + 300_000, $"parent usage {parent.Usage}, was {before}");

        map.Dispose();
        Assert.True(map.IsDestroyed);
        Assert.Throws<ObjectDisposedException>(() => map.Update(2, 16, 0, out _));
        parent.Remove();
    }

    [Fact]
    public void A_map_created_at_the_root_charges_nobody()
    {
        MemCgroup bystander = MemCgroup.Root.CreateChild(TestCgroups.UniqueName("root-map"));
        BpfMap map = BpfMap.Create("unowned", buckets: 16);

        Assert.Equal(MapResult.Ok, map.Update(1, valueSize: 1000, fill: 1, out _));

        Assert.Equal(0, bystander.Usage);
        map.Dispose();
        bystander.Remove();
    }
}
