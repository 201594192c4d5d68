namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// (f) cache-scratch (Hoard's passive false-sharing test): at the start of each round the benchmark
/// thread allocates one object per worker, back to back, and hands them out; each worker frees the
/// object it was given (a remote free), then repeatedly allocates an object, adds to every word of it
/// <see cref="Writes"/> times and frees it. An allocator that gives the freed neighbours' memory to
/// the other thread makes the two workers write the same cache line and the loop crawls. The
/// iterations of a round are split over the workers: time per iteration of one and two workers
/// compare directly.
/// </summary>
internal sealed unsafe class CacheScratchShape<T> : CrewShape<T> where T : struct, IObjectAllocator
{
    public const int Writes = 2;

    private readonly int _iterationsPerWorker;
    private readonly int _words;
    private readonly T _handOutAllocator;
    private readonly T[] _allocators;
    private readonly nint[] _handedOut;

    public CacheScratchShape(AllocatorSubject<T> subject, int threads) : base(subject)
    {
        _iterationsPerWorker = RepeatsPerRound(threads, nameof(threads));
        _words = subject.Sizes[0] / sizeof(long);
        _handOutAllocator = subject.Bind(0);
        _allocators = new T[threads];
        _handedOut = new nint[threads];
        StartCrew(threads);
    }

    public override void RunRound()
    {
        using (Subject.Enter())
            for (int w = 0; w < _handedOut.Length; w++) _handedOut[w] = (nint)_handOutAllocator.Alloc();
        base.RunRound();
    }

    public override void Start(int worker) => _allocators[worker] = Subject.Bind(0);

    public override void Round(int worker)
    {
        T allocator = _allocators[worker];
        allocator.Free((void*)_handedOut[worker]);
        Scratch(allocator, _words, _iterationsPerWorker);
    }

    private static void Scratch(T allocator, int words, int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            long* p = (long*)allocator.Alloc();
            for (int w = 0; w < Writes; w++)
                for (int j = 0; j < words; j++) p[j] += w + 1;
            allocator.Free(p);
        }
    }

    public override void Stop(int worker) { }
}
