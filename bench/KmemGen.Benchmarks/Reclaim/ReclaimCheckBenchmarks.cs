using BenchmarkDotNet.Attributes;
using KmemGen.Internal;

namespace KmemGen.Benchmarks.Reclaim;

/// <summary>
/// What the memory.high check costs a charge. An accounted alloc+free pair (a stock hit: the path never
/// reaches the check) and a charge of more than a batch (every call charges the page counters, where
/// the check runs), each with no memory.high anywhere in the process and with a memory.high set on an
/// unrelated cgroup (the check then walks the charged cgroup's ancestors, none of them over high).
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public unsafe class ReclaimCheckBenchmarks
{
    private const int Pairs = 1024;
    private const long BigCharge = ObjStock.BatchBytes + ObjStock.PageSize;
    private SlabCache _accounted = null!;
    private MemCgroup _tenant = null!;
    private MemCgroup? _other;
    private MemCgroupScope _scope;
    private ObjCgroup _objcg = null!;

    /// <summary>Whether some other cgroup has a memory.high (so charges look for an over-high level).</summary>
    [Params(false, true)]
    public bool HighElsewhere { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string id = Guid.NewGuid().ToString("N");
        _accounted = SlabCache.Create("bench-reclaim-" + id, 64, SlabFlags.Account);
        _tenant = MemCgroup.Root.CreateChild("bench-reclaim-" + id);
        if (HighElsewhere)
        {
            _other = MemCgroup.Root.CreateChild("bench-reclaim-other-" + id);
            _other.WriteFile("memory.high", "1G");
        }
        _scope = _tenant.Enter();
        _objcg = ObjCgroup.FromCurrent()!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _objcg.Put();
        _scope.Dispose();
        ObjStock.DrainCurrentThread();
        _tenant.Remove();
        _other?.Remove();
        _accounted.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void StockHitPair()
    {
        SlabCache cache = _accounted;
        for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    [Benchmark]
    public void CounterChargeAndUncharge()
    {
        // The cgroup has no limit in this benchmark, so the charge always succeeds; a refusal would mean the
        // setup is wrong, and then nothing is uncharged.
        if (!_objcg.TryCharge(BigCharge))
        {
            throw new InvalidOperationException("CounterChargeAndUncharge: the unlimited benchmark cgroup refused a charge.");
        }

        _objcg.Uncharge(BigCharge);
    }
}
