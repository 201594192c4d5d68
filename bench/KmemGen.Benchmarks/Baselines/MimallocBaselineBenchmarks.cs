using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace KmemGen.Benchmarks.Baselines;

/// <summary>
/// One alloc+free pair on one thread: SlabCache (unaccounted, the baseline) against mimalloc
/// (mi_malloc/mi_free through function pointers) and glibc (NativeMemory). The claim checked here:
/// the slab fast path beats mimalloc and is at least 2x faster than malloc.
/// Run: dotnet run -c Release --project bench/KmemGen.Benchmarks -- --filter '*MimallocBaseline*' --job short --inProcess
/// Without mimalloc installed, the Mimalloc benchmark fails in its setup with a message saying how to
/// install it; the other two still run.
/// </summary>
public unsafe class MimallocBaselineBenchmarks
{
    private const int Pairs = 1024;
    private SlabCache _cache = null!;

    [Params(64, 256)]
    public int Size { get; set; }

    [GlobalSetup(Targets = [nameof(SlabCache_AllocFree), nameof(NativeMemory_AllocFree)])]
    public void Setup()
    {
        _cache = SlabCache.Create($"bench-mi-{Size}-{Guid.NewGuid():N}", Size);
        _cache.Free(_cache.Alloc());
    }

    [GlobalSetup(Target = nameof(Mimalloc_AllocFree))]
    public void SetupMimalloc()
    {
        NativeMallocLibrary.Mimalloc.LoadOrThrow();
        NativeMallocLibrary.Mimalloc.Free(NativeMallocLibrary.Mimalloc.Malloc((nuint)Size));
    }

    [GlobalCleanup(Targets = [nameof(SlabCache_AllocFree), nameof(NativeMemory_AllocFree)])]
    public void Cleanup() => _cache.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Pairs)]
    public void SlabCache_AllocFree()
    {
        SlabCache cache = _cache;
        for (int i = 0; i < Pairs; i++) cache.Free(cache.Alloc());
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void Mimalloc_AllocFree()
    {
        nuint size = (nuint)Size;
        var malloc = NativeMallocLibrary.Mimalloc.Malloc;
        var free = NativeMallocLibrary.Mimalloc.Free;
        for (int i = 0; i < Pairs; i++) free(malloc(size));
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public void NativeMemory_AllocFree()
    {
        nuint size = (nuint)Size;
        for (int i = 0; i < Pairs; i++) NativeMemory.Free(NativeMemory.Alloc(size));
    }
}
