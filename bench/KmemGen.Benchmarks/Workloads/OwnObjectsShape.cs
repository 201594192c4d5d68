using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// (e) Each worker allocates and frees its own objects in batches of <see cref="Live"/> (the loop of
/// <see cref="LiveBatchShape{T}"/>), sharing nothing with the other worker. The round's pairs are split
/// over the workers, so time per pair of one and two workers compare directly (throughput ratio =
/// one worker's time / two workers' time; 2.0 on two idle cores is the ideal).
/// </summary>
internal sealed unsafe class OwnObjectsShape<T> : CrewShape<T> where T : struct, IObjectAllocator
{
    public const int Live = 1000;

    private readonly int _batchesPerWorker;
    private readonly T[] _allocators;
    private readonly nint[] _slots;

    public OwnObjectsShape(AllocatorSubject<T> subject, int threads) : base(subject)
    {
        _batchesPerWorker = RepeatsPerRound(threads * Live, nameof(threads));
        _allocators = new T[threads];
        _slots = new nint[threads];
        StartCrew(threads);
    }

    public override void Start(int worker)
    {
        _allocators[worker] = Subject.Bind(0);
        // Each worker's slot array is its own, 128-byte aligned: the two never share a cache line.
        _slots[worker] = (nint)NativeMemory.AlignedAlloc(Live * (nuint)sizeof(nint), 128);
    }

    public override void Round(int worker) =>
        LiveBatchShape<T>.Batches(_allocators[worker], (nint*)_slots[worker], Live, _batchesPerWorker);

    public override void Stop(int worker) => NativeMemory.AlignedFree((void*)_slots[worker]);
}
