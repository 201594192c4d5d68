using BenchmarkDotNet.Attributes;
using KmemGen.Internal;

namespace KmemGen.Benchmarks.Charging;

/// <summary>
/// One alloc+free pair of a 64-byte object: an unaccounted cache against a SlabFlags.Account cache
/// whose objects are charged to a cgroup (target: accounted at most 1.10x unaccounted), and the
/// memcg hooks alone (ChargeObjects + UnchargeObject, what accounting adds on top of the allocator).
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public unsafe class AccountedAllocBenchmarks
{
    private const int Pairs = 1024;
    private SlabCache _plain = null!;
    private SlabCache _accounted = null!;
    private MemCgroup _tenant = null!;
    private MemCgroupScope _scope;

    [GlobalSetup]
    public void Setup()
    {
        string id = Guid.NewGuid().ToString("N");
        _plain = SlabCache.Create("bench-plain-" + id, 64);
        _accounted = SlabCache.Create("bench-accounted-" + id, 64, SlabFlags.Account);
        _tenant = MemCgroup.Root.CreateChild("bench-" + id);
        // Entered on the benchmark thread for the whole run: the charge path reads the per-thread cache.
        _scope = _tenant.Enter();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        ObjStock.DrainCurrentThread();
        _tenant.Remove();
        _plain.Dispose();
        _accounted.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pairs)]
    public void Unaccounted()
    {
        SlabCache cache = _plain;
        for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void Accounted()
    {
        SlabCache cache = _accounted;
        for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void HooksOnly()
    {
        ThreadContext tc = ThreadContext.Current;
        for (int i = 0; i < Pairs; i++)
        {
            uint owner = MemcgHooks.ChargeObjects(tc, 64, 1, MemcgStatItem.SlabUnreclaimable, Gfp.KernelAccount);
            MemcgHooks.UnchargeObject(tc, owner, 64, MemcgStatItem.SlabUnreclaimable);
        }
    }
}
