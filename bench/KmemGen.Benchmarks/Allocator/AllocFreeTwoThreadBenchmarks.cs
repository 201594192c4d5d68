using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace KmemGen.Benchmarks.Allocator;

/// <summary>
/// The same pairs on two threads at once (the machine has 2 cores): a shared atomic or lock on the fast
/// path would show here as a time per pair above the single-thread figure.
/// </summary>
public unsafe class AllocFreeTwoThreadBenchmarks
{
    private const int PairsPerThread = 200_000;
    private SlabCache _cache = null!;

    [Params(64, 256)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => _cache = SlabCache.Create($"bench2-{Size}", Size);

    private static void OnTwoThreads(Action work)
    {
        var a = new Thread(() => work());
        var b = new Thread(() => work());
        a.Start(); b.Start();
        a.Join(); b.Join();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 2 * PairsPerThread)]
    public void SlabCache_AllocFree_2Threads()
    {
        SlabCache cache = _cache;
        OnTwoThreads(() =>
        {
            for (int i = 0; i < PairsPerThread; i++) cache.Free(cache.Alloc());
            cache.Shrink();
        });
    }

    [Benchmark(OperationsPerInvoke = 2 * PairsPerThread)]
    public void NativeMemory_AllocFree_2Threads()
    {
        nuint size = (nuint)Size;
        OnTwoThreads(() =>
        {
            for (int i = 0; i < PairsPerThread; i++) NativeMemory.Free(NativeMemory.Alloc(size));
        });
    }

    [Benchmark(OperationsPerInvoke = 2 * PairsPerThread)]
    public void BareList_Calls_AllocFree_2Threads()
    {
        int size = Size;
        OnTwoThreads(() =>
        {
            BareFreeList.EnsureThread(size);
            for (int i = 0; i < PairsPerThread; i++) BareFreeList.FreeCall(BareFreeList.AllocCall());
        });
    }
}
