using BenchmarkDotNet.Attributes;

namespace KmemGen.Benchmarks.Workloads;

// The workload shapes (modelled on mimalloc-bench), one suite each; see docs/benchmarks.md.
// Run one:  dotnet run -c Release --project bench/KmemGen.Benchmarks -- --filter '*ImmediatePairBenchmarks*' --job short --inProcess
// Run all:  ... --filter '*Workloads*' ...

/// <summary>(a) Free(Alloc()), one thread. Filter: *ImmediatePairBenchmarks*</summary>
public class ImmediatePairBenchmarks : WorkloadBenchmark
{
    private protected override WorkloadShape CreateShape() => WorkloadShape.Create(typeof(ImmediatePairShape<>), Kind, [Size]);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void Pair() => RunRound();
}

/// <summary>(b) Batches of N live objects, N allocs then N frees, one thread; time per pair. Filter: *LiveBatchBenchmarks*</summary>
public class LiveBatchBenchmarks : WorkloadBenchmark
{
    [Params(16, 64, 256, 1000, 10_000, 100_000)]
    public int Live { get; set; }

    private protected override WorkloadShape CreateShape() => WorkloadShape.Create(typeof(LiveBatchShape<>), Kind, [Size], Live);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void Batch() => RunRound();
}

/// <summary>
/// (b') Batches of N live objects, N allocs then the N frees in a random order, one thread; time per
/// pair. Filter: *RandomFreeBatchBenchmarks*
/// </summary>
public class RandomFreeBatchBenchmarks : WorkloadBenchmark
{
    [Params(1000, 10_000, 100_000)]
    public int Live { get; set; }

    private protected override WorkloadShape CreateShape() => WorkloadShape.Create(typeof(LiveBatchShape<>), Kind, [Size], Live, true);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void Batch() => RunRound();
}

/// <summary>(c) One thread allocates, another frees (xmalloc-test); wall time per pair. Filter: *ProducerConsumerBenchmarks*</summary>
public class ProducerConsumerBenchmarks : WorkloadBenchmark
{
    private protected override WorkloadShape CreateShape() => WorkloadShape.Create(typeof(ProducerConsumerShape<>), Kind, [Size]);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void ProduceConsume() => RunRound();
}

/// <summary>
/// (d) Larson server loop, sizes Size/2, Size, 2*Size, remote frees through traded arrays; wall time per
/// step over all threads (2T/1T throughput = Mean(1) / Mean(2)). Filter: *LarsonBenchmarks*
/// </summary>
public class LarsonBenchmarks : ScalingWorkloadBenchmark
{
    private protected override WorkloadShape CreateShape() =>
        WorkloadShape.Create(typeof(LarsonShape<>), Kind, LarsonShape.SizeClasses(Size), Threads);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void ServerLoop() => RunRound();
}

/// <summary>
/// (e) Each thread allocates and frees its own objects in batches of 1,000; wall time per pair over all
/// threads (2T/1T throughput = Mean(1) / Mean(2)). Filter: *OwnObjectsBenchmarks*
/// </summary>
public class OwnObjectsBenchmarks : ScalingWorkloadBenchmark
{
    private protected override WorkloadShape CreateShape() => WorkloadShape.Create(typeof(OwnObjectsShape<>), Kind, [Size], Threads);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void OwnBatches() => RunRound();
}

/// <summary>
/// (f) cache-scratch: objects handed out by another thread, then alloc / write / free per iteration;
/// wall time per iteration over all threads. Filter: *CacheScratchBenchmarks*
/// </summary>
public class CacheScratchBenchmarks : ScalingWorkloadBenchmark
{
    private protected override WorkloadShape CreateShape() => WorkloadShape.Create(typeof(CacheScratchShape<>), Kind, [Size], Threads);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void Scratch() => RunRound();
}
