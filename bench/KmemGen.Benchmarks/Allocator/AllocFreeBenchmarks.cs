using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace KmemGen.Benchmarks.Allocator;

/// <summary>
/// One alloc+free pair, single thread: SlabCache (unaccounted and accounted) against glibc through
/// NativeMemory and against a bare [ThreadStatic] free list (inlined, and behind real calls).
/// Run: dotnet run -c Release --project bench/KmemGen.Benchmarks -- --filter '*Alloc*' --job short
/// </summary>
[MemoryDiagnoser]
public unsafe class AllocFreeBenchmarks
{
    private const int Pairs = 1024;
    private SlabCache _cache = null!;
    private SlabCache _accounted = null!;
    private MemCgroup _cg = null!;

    [Params(64, 256)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _cache = SlabCache.Create($"bench-{Size}", Size);
        _accounted = SlabCache.Create($"bench-acct-{Size}", Size, SlabFlags.Account);
        _cg = MemCgroup.Root.CreateChild($"bench-{Size}-{Guid.NewGuid():N}");
        BareFreeList.EnsureThread(Size);
        _cache.Free(_cache.Alloc());
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pairs)]
    public void SlabCache_AllocFree()
    {
        SlabCache cache = _cache;
        for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void SlabCache_Accounted_AllocFree()
    {
        SlabCache cache = _accounted;
        using (_cg.Enter())
            for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void NativeMemory_AllocFree()
    {
        nuint size = (nuint)Size;
        for (int i = 0; i < Pairs; i++) NativeMemory.Free(NativeMemory.Alloc(size));
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void BareList_Inlined_AllocFree()
    {
        for (int i = 0; i < Pairs; i++) BareFreeList.FreeInline(BareFreeList.AllocInline());
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void BareList_Calls_AllocFree()
    {
        for (int i = 0; i < Pairs; i++) BareFreeList.FreeCall(BareFreeList.AllocCall());
    }
}
