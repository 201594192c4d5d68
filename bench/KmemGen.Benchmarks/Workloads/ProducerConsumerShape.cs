using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// (c) Producer/consumer (xmalloc-test): worker 0 allocates batches of <see cref="BatchSize"/> objects
/// into a ring of <see cref="RingBatches"/> slots, worker 1 frees each batch, so every free is a remote
/// free and the producer never sees its objects come back except through the allocator. The ring's
/// sequence counters are the only thing the two threads share besides the objects (one publication
/// per 1,000 objects); a full or empty ring spins (yielding, never sleeping).
/// </summary>
internal sealed unsafe class ProducerConsumerShape<T> : CrewShape<T> where T : struct, IObjectAllocator
{
    public const int BatchSize = 1000;
    public const int RingBatches = 16;
    private const int Producer = 0;

    private readonly int _batchesPerRound;
    private readonly nint* _ring;
    // Produced and consumed batch counts, each on its own 128 bytes.
    private readonly long* _counters;
    private T _producer;
    private T _consumer;

    public ProducerConsumerShape(AllocatorSubject<T> subject) : base(subject)
    {
        _batchesPerRound = RepeatsPerRound(BatchSize, nameof(BatchSize));
        _ring = (nint*)NativeMemory.AlignedAlloc(RingBatches * BatchSize * (nuint)sizeof(nint), 128);
        _counters = (long*)NativeMemory.AlignedAlloc(256, 128);
        _counters[0] = 0;
        _counters[16] = 0;
        StartCrew(2);
    }

    private ref long Produced => ref _counters[0];
    private ref long Consumed => ref _counters[16];

    public override void Start(int worker)
    {
        if (worker == Producer) _producer = Subject.Bind(0);
        else _consumer = Subject.Bind(0);
    }

    public override void Round(int worker)
    {
        if (worker == Producer) Produce(_producer);
        else Consume(_consumer);
    }

    private void Produce(T allocator)
    {
        long next = Produced;
        for (int b = 0; b < _batchesPerRound; b++, next++)
        {
            SpinWait spin = default;
            while (next - Volatile.Read(ref Consumed) >= RingBatches) spin.SpinOnce(sleep1Threshold: -1);
            nint* batch = _ring + (next % RingBatches) * BatchSize;
            for (int i = 0; i < BatchSize; i++) batch[i] = (nint)allocator.Alloc();
            Volatile.Write(ref Produced, next + 1);
        }
    }

    private void Consume(T allocator)
    {
        long next = Consumed;
        for (int b = 0; b < _batchesPerRound; b++, next++)
        {
            SpinWait spin = default;
            while (Volatile.Read(ref Produced) <= next) spin.SpinOnce(sleep1Threshold: -1);
            nint* batch = _ring + (next % RingBatches) * BatchSize;
            for (int i = 0; i < BatchSize; i++) allocator.Free((void*)batch[i]);
            Volatile.Write(ref Consumed, next + 1);
        }
    }

    // Every round consumes exactly what it produced: nothing is live between rounds.
    public override void Stop(int worker) { }

    protected override void AfterCrew()
    {
        NativeMemory.AlignedFree(_ring);
        NativeMemory.AlignedFree(_counters);
    }
}
