using BenchmarkDotNet.Attributes;
using KmemGen.Internal;

namespace KmemGen.Benchmarks.Charging;

/// <summary>
/// Accounted alloc+free throughput on one thread against two threads charging the same cgroup
/// (target: two threads at least 1.8x the pairs per second of one). Two long-lived workers (so
/// thread start, cold slabs and cold stocks are not measured) each keep a window of live objects and
/// run a round of free+alloc pairs when signalled. Per-operation time is reported:
/// throughput ratio = OneThread / TwoThreads.
/// </summary>
public unsafe class ChargingScalingBenchmarks
{
    private const int PairsPerThread = 1_000_000;
    private const int Window = 64;
    private SlabCache _cache = null!;
    private MemCgroup _tenant = null!;
    private readonly SemaphoreSlim[] _go = [new(0), new(0)];
    private CountdownEvent _done = null!;
    private Thread[] _workers = [];
    private volatile bool _stop;

    [Params(false, true)]
    public bool Accounted { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string id = Guid.NewGuid().ToString("N");
        _cache = SlabCache.Create("bench-scaling-" + id, 64, Accounted ? SlabFlags.Account : SlabFlags.None);
        _tenant = MemCgroup.Root.CreateChild("bench-scaling-" + id);
        _done = new CountdownEvent(1);
        _stop = false;
        _workers = [new Thread(() => Worker(0)), new Thread(() => Worker(1))];
        foreach (Thread w in _workers) w.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        foreach (SemaphoreSlim go in _go) go.Release();
        foreach (Thread w in _workers) w.Join();
        _tenant.Remove();
        _cache.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PairsPerThread)]
    public void OneThread() => RunOn(1);

    [Benchmark(OperationsPerInvoke = 2 * PairsPerThread)]
    public void TwoThreads() => RunOn(2);

    private void RunOn(int threads)
    {
        _done.Reset(threads);
        for (int t = 0; t < threads; t++) _go[t].Release();
        _done.Wait();
    }

    private void Worker(int index)
    {
        SlabCache cache = _cache;
        var window = new IntPtr[Window];
        using (_tenant.Enter())
        {
            for (int i = 0; i < Window; i++) window[i] = (IntPtr)cache.Alloc();
            while (true)
            {
                _go[index].Wait();
                if (_stop) break;
                for (int i = 0; i < PairsPerThread; i++)
                {
                    int slot = i & (Window - 1);
                    cache.Free((void*)window[slot]);
                    window[slot] = (IntPtr)cache.Alloc();
                }
                _done.Signal();
            }
            for (int i = 0; i < Window; i++) cache.Free((void*)window[i]);
        }
        ObjStock.DrainCurrentThread();
    }
}
