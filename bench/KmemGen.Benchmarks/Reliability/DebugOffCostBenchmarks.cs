using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace KmemGen.Benchmarks.Reliability;

/// <summary>
/// What the slab debug flags cost, 64 B alloc+free pairs on one thread. There is no build without the
/// debug code: the checks are compiled in and switched per cache, so "debug off" is a plain cache, and
/// its cost over a bare free list behind real calls (the shape of the plain fast path with nothing
/// else in it) is the most the compiled-in-but-off checks can cost. The flagged caches show the cost
/// when on: Poison|RedZone (SLUB's "PZ"), and with ConsistencyChecks ("FPZ").
/// Run: dotnet run -c Release --project bench/KmemGen.Benchmarks -- --filter '*DebugOffCost*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public unsafe class DebugOffCostBenchmarks
{
    private const int Pairs = 1024;
    private const int Size = 64;
    private SlabCache _plain = null!;
    private SlabCache _poisonRedZone = null!;
    private SlabCache _allChecks = null!;

    [GlobalSetup]
    public void Setup()
    {
        string id = Guid.NewGuid().ToString("N");
        _plain = SlabCache.Create($"debugcost-plain-{id}", Size);
        _poisonRedZone = SlabCache.Create($"debugcost-pz-{id}", Size, SlabFlags.Poison | SlabFlags.RedZone);
        _allChecks = SlabCache.Create($"debugcost-fpz-{id}", Size, SlabFlags.Poison | SlabFlags.RedZone | SlabFlags.ConsistencyChecks);
        CallFreeList.Prime(Size, Pairs);
        foreach (SlabCache cache in new[] { _plain, _poisonRedZone, _allChecks }) cache.Free(cache.Alloc());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _poisonRedZone.Dispose();
        _allChecks.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void BareFreeList_Calls()
    {
        for (int i = 0; i < Pairs; i++) CallFreeList.Free(CallFreeList.Alloc());
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pairs)]
    public void Plain_DebugOff()
    {
        SlabCache cache = _plain;
        for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void PoisonRedZone_On()
    {
        SlabCache cache = _poisonRedZone;
        for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void PoisonRedZoneConsistency_On()
    {
        SlabCache cache = _allChecks;
        for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    /// <summary>
    /// A [ThreadStatic] singly linked free list over one native block, Alloc/Free not inlined: the floor a
    /// slab fast path with real calls can reach (about 7.4 ns by design estimate). Kept here so this suite does
    /// not depend on another suite's helpers.
    /// </summary>
    private static class CallFreeList
    {
        #pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (dotnet/runtime's prefix); the naming rules cannot see attributes
        [ThreadStatic] private static void* s_head;
        #pragma warning restore IDE1006

        public static void Prime(int size, int count)
        {
            byte* block = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(size * count), 64);
            for (int i = count - 1; i >= 0; i--) Free(block + i * size);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void* Alloc()
        {
            void* p = s_head;
            s_head = *(void**)p;
            return p;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Free(void* p)
        {
            *(void**)p = s_head;
            s_head = p;
        }
    }
}
