using BenchmarkDotNet.Attributes;
using KmemGen.Internal;

namespace KmemGen.Benchmarks.Charging;

/// <summary>
/// Accounted alloc+free throughput on one thread against two threads charging the same cgroup
/// (target: two threads at least 1.8x the pairs per second of one). Each thread keeps a window of
/// live objects so the stock is used in both directions. Per-operation time is reported:
/// throughput ratio = 2 * OneThread / TwoThreads.
/// </summary>
public unsafe class ChargingScalingBenchmarks
{
    private const int PairsPerThread = 200_000;
    private const int Window = 64;
    private SlabCache _cache = null!;
    private MemCgroup _tenant = null!;

    [Params(false, true)]
    public bool Accounted { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string id = Guid.NewGuid().ToString("N");
        _cache = SlabCache.Create("bench-scaling-" + id, 64, Accounted ? SlabFlags.Account : SlabFlags.None);
        _tenant = MemCgroup.Root.CreateChild("bench-scaling-" + id);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ObjStock.DrainCurrentThread();
        _tenant.Remove();
        _cache.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PairsPerThread)]
    public void OneThread() => RunOn(1);

    [Benchmark(OperationsPerInvoke = 2 * PairsPerThread)]
    public void TwoThreads() => RunOn(2);

    private void RunOn(int threads)
    {
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(Work);
            workers[t].Start();
        }
        foreach (Thread w in workers) w.Join();
    }

    private void Work()
    {
        SlabCache cache = _cache;
        var window = stackalloc IntPtr[Window];
        using (_tenant.Enter())
        {
            for (int i = 0; i < Window; i++) window[i] = (IntPtr)cache.Alloc();
            for (int i = 0; i < PairsPerThread; i++)
            {
                int slot = i & (Window - 1);
                cache.Free((void*)window[slot]);
                window[slot] = (IntPtr)cache.Alloc();
            }
            for (int i = 0; i < Window; i++) cache.Free((void*)window[i]);
        }
        ObjStock.DrainCurrentThread();
    }
}
