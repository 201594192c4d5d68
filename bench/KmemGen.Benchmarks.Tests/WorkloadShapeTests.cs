using KmemGen.Benchmarks.Workloads;

namespace KmemGen.Benchmarks.Tests;

/// <summary>
/// Every shape, run for one round on the accounted slab cache, charges the child cgroup and gives every
/// object back: the subject's Dispose destroys the cache, which refuses (InvalidOperationException)
/// while any object is still live, so a shape that leaked would fail here.
/// </summary>
public unsafe class WorkloadShapeTests
{
    public static TheoryData<Type, object[]> Shapes => new()
    {
        { typeof(ImmediatePairShape<>), [] },
        { typeof(LiveBatchShape<>), [1000] },
        { typeof(ProducerConsumerShape<>), [] },
        { typeof(LarsonShape<>), [2] },
        { typeof(OwnObjectsShape<>), [2] },
        { typeof(CacheScratchShape<>), [2] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_round_charges_the_tenant_and_frees_every_object(Type openShape, object[] args)
    {
        int[] sizes = openShape == typeof(LarsonShape<>) ? LarsonShape.SizeClasses(64) : [64];
        var subject = (SlabCacheSubject)AllocatorSubject.Create(AllocatorKind.SlabCacheAccounted, sizes);
        MemCgroup tenant = subject.Tenant!;
        var shape = (WorkloadShape)Activator.CreateInstance(openShape.MakeGenericType(typeof(SlabCacheAllocator)), [subject, .. args])!;

        shape.RunRound();
        long peak = tenant.Peak;
        shape.Dispose();

        Assert.True(peak >= 64, $"the round charged {peak} bytes to {tenant.Path}");
        Assert.DoesNotContain(tenant, MemCgroup.Root.Children);
        Assert.Throws<ObjectDisposedException>(() => subject.Bind(0).Alloc());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_bare_list_runs_every_shape(Type openShape, object[] args)
    {
        int[] sizes = openShape == typeof(LarsonShape<>) ? LarsonShape.SizeClasses(256) : [256];
        using WorkloadShape shape = WorkloadShape.Create(openShape, AllocatorKind.BareList, sizes, args);
        shape.RunRound();
    }

    [Fact]
    public void A_live_set_that_does_not_divide_the_round_is_refused_with_its_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            WorkloadShape.Create(typeof(LiveBatchShape<>), AllocatorKind.Glibc, [64], 3000));
        Assert.Equal("live", e.ParamName);
        Assert.Contains("800,000", e.Message);
    }

    [Fact]
    public void A_failed_shape_construction_releases_the_subject_it_created()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            WorkloadShape.Create(typeof(LiveBatchShape<>), AllocatorKind.SlabCacheAccounted, [64], 7));
        // The accounted subject's child cgroup was created before the refusal and removed after it.
        Assert.DoesNotContain(MemCgroup.Root.Children, c => c.Path.Contains(nameof(AllocatorKind.SlabCacheAccounted)));
    }
}
