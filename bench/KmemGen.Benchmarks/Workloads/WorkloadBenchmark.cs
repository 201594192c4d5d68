using BenchmarkDotNet.Attributes;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// The common frame of the workload suites: every allocator kind at 64 and 256 bytes in one run, a shape
/// built once per case outside the measured region, and each invocation one round of
/// <see cref="Operations"/> operations, so Mean is the time per operation (alloc+free pair or loop step).
/// mimalloc and jemalloc cases fail in their setup with an install hint when the library is absent;
/// the other cases run.
/// </summary>
public abstract class WorkloadBenchmark
{
    protected const int Operations = WorkloadShape.OperationsPerRound;

    private WorkloadShape? _shape;

    [ParamsAllValues]
    public AllocatorKind Kind { get; set; }

    [Params(64, 256)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => _shape = CreateShape();

    [GlobalCleanup]
    public void Cleanup()
    {
        WorkloadShape? shape = _shape;
        _shape = null;
        shape?.Dispose();
    }

    private protected abstract WorkloadShape CreateShape();

    protected void RunRound() => _shape!.RunRound();
}

/// <summary>
/// A workload run by one and by two worker threads, the round's operations split between them: the
/// Means of Threads=1 and Threads=2 compare directly (throughput ratio 2T/1T = Mean(1) / Mean(2)).
/// </summary>
public abstract class ScalingWorkloadBenchmark : WorkloadBenchmark
{
    [Params(1, 2)]
    public int Threads { get; set; }
}
