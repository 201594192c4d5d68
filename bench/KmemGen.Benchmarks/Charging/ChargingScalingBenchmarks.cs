using BenchmarkDotNet.Attributes;
using KmemGen.Internal;

namespace KmemGen.Benchmarks.Charging;

/// <summary>
/// Accounted alloc+free throughput on one thread against two threads charging the same cgroup
/// (target: two threads at least 1.8x the pairs per second of one). Two long-lived workers (so
/// thread start, cold slabs and cold stocks are not measured) each keep a window of live objects and
/// run a round of free+alloc pairs when signalled. Per-operation time is reported:
/// throughput ratio = OneThread / TwoThreads. <see cref="WorkerKind.BareList"/> is the control: the
/// same loop over a [ThreadStatic] free list behind real calls, which shares nothing between the
/// threads, so its ratio is what this machine gives two threads at all.
/// </summary>
public unsafe class ChargingScalingBenchmarks
{
    public enum WorkerKind { BareList, Unaccounted, Accounted }

    private const int PairsPerThread = 1_000_000;
    private const int Window = 64;
    private SlabCache _cache = null!;
    private MemCgroup _tenant = null!;
    private readonly SemaphoreSlim[] _go = [new(0), new(0)];
    private CountdownEvent _done = null!;
    private Thread[] _workers = [];
    private volatile bool _stop;

    [Params(WorkerKind.BareList, WorkerKind.Unaccounted, WorkerKind.Accounted)]
    public WorkerKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string id = Guid.NewGuid().ToString("N");
        _cache = SlabCache.Create("bench-scaling-" + id, 64, Kind == WorkerKind.Accounted ? SlabFlags.Account : SlabFlags.None);
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
        Span<IntPtr> window = PaddedWindow();
        using (_tenant.Enter())
        {
            if (Kind == WorkerKind.BareList) Allocator.BareFreeList.EnsureThread(64);
            for (int i = 0; i < Window; i++) window[i] = (IntPtr)cache.Alloc();
            while (true)
            {
                _go[index].Wait();
                if (_stop) break;
                if (Kind == WorkerKind.BareList)
                {
                    BareRound();
                }
                else
                {
                    for (int i = 0; i < PairsPerThread; i++)
                    {
                        int slot = i & (Window - 1);
                        cache.Free((void*)window[slot]);
                        window[slot] = (IntPtr)cache.Alloc();
                    }
                }
                _done.Signal();
            }
            for (int i = 0; i < Window; i++) cache.Free((void*)window[i]);
        }
        ObjStock.DrainCurrentThread();
    }

    // Written on every pair: 128 bytes of unused array on each side, so that the two workers' windows
    // (allocated at the same moment from neighbouring GC allocation contexts) cannot share a line.
    private static Span<IntPtr> PaddedWindow() => new IntPtr[16 + Window + 16].AsSpan(16, Window);

    // The control: the same window loop over this thread's bare free list (the worker's window of
    // cache objects stays allocated and untouched meanwhile).
    private static void BareRound()
    {
        Span<IntPtr> bare = PaddedWindow();
        for (int i = 0; i < Window; i++) bare[i] = (IntPtr)Allocator.BareFreeList.AllocCall();
        for (int i = 0; i < PairsPerThread; i++)
        {
            int slot = i & (Window - 1);
            Allocator.BareFreeList.FreeCall((void*)bare[slot]);
            bare[slot] = (IntPtr)Allocator.BareFreeList.AllocCall();
        }
        for (int i = 0; i < Window; i++) Allocator.BareFreeList.FreeCall((void*)bare[i]);
    }
}
