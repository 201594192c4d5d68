using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>Size classes and constants of <see cref="LarsonShape{T}"/>, shared by its benchmark.</summary>
internal static class LarsonShape
{
    /// <summary>Three classes around the nominal size: half, the size itself, double.</summary>
    public static int[] SizeClasses(int size) => [size / 2, size, size * 2];
}

/// <summary>
/// (d) Larson's server loop: each worker keeps an array of <see cref="Slots"/> live objects of random
/// size classes; each step frees a random slot's object and puts a new object of a random class in
/// its place. Every <see cref="HandoffSteps"/> steps a worker trades its array through a shared queue
/// (one lock per trade, never per object) that starts with one array more than there are workers, so
/// with two workers each inherits the other's objects and frees them: about one free in ten is of
/// an object another thread allocated. With one worker the trades return its own objects.
/// The steps of a round are split over the workers, so time per step of one and two workers compare
/// directly (throughput ratio = one worker's time / two workers' time).
/// </summary>
internal sealed unsafe class LarsonShape<T> : CrewShape<T> where T : struct, IObjectAllocator
{
    public const int Slots = 1000;
    public const int HandoffSteps = 10_000;

    private readonly int _stepsPerWorker;
    private readonly Queue<nint> _spareArrays = new();
    private readonly WorkerState[] _workers;

    public LarsonShape(AllocatorSubject<T> subject, int threads) : base(subject)
    {
        int steps = RepeatsPerRound(threads, nameof(threads));
        if (steps % HandoffSteps != 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, $"steps per worker must be a multiple of {HandoffSteps}");
        _stepsPerWorker = steps;
        _workers = new WorkerState[threads];
        StartCrew(threads);
    }

    private sealed class WorkerState(T[] classes, ulong seed)
    {
        public readonly T[] Classes = classes;
        public ulong Random = seed;
        public nint* Array;
    }

    public override void Start(int worker)
    {
        T[] classes = Enumerable.Range(0, Subject.Sizes.Count).Select(Subject.Bind).ToArray();
        var state = new WorkerState(classes, 0x9E3779B97F4A7C15UL * (ulong)(worker + 1));
        state.Array = NewFilledArray(state);
        _workers[worker] = state;
        if (worker == 0)
        {
            nint spare = (nint)NewFilledArray(state);
            lock (_spareArrays) _spareArrays.Enqueue(spare);
        }
    }

    public override void Round(int worker)
    {
        WorkerState state = _workers[worker];
        for (int done = 0; done < _stepsPerWorker; done += HandoffSteps)
        {
            Steps(state.Classes, state.Array, ref state.Random, HandoffSteps);
            lock (_spareArrays)
            {
                _spareArrays.Enqueue((nint)state.Array);
                state.Array = (nint*)_spareArrays.Dequeue();
            }
        }
    }

    // A slot holds the object's address with its size class in the low two bits (objects are 8-byte aligned).
    private static void Steps(T[] classes, nint* array, ref ulong random, int steps)
    {
        ulong x = random;
        for (int i = 0; i < steps; i++)
        {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            int victim = (int)(((x & 0xFFFF_FFFF) * Slots) >> 32);
            int cls = (int)(((x >> 32) * (ulong)classes.Length) >> 32);
            nint old = array[victim];
            classes[old & 3].Free((void*)(old & ~(nint)3));
            array[victim] = (nint)classes[cls].Alloc() | cls;
        }
        random = x;
    }

    private static nint* NewFilledArray(WorkerState state)
    {
        var array = (nint*)NativeMemory.AlignedAlloc(Slots * (nuint)sizeof(nint), 128);
        for (int i = 0; i < Slots; i++)
        {
            int cls = i % state.Classes.Length;
            array[i] = (nint)state.Classes[cls].Alloc() | cls;
        }
        return array;
    }

    private static void FreeArray(T[] classes, nint* array)
    {
        for (int i = 0; i < Slots; i++) classes[array[i] & 3].Free((void*)(array[i] & ~(nint)3));
        NativeMemory.AlignedFree(array);
    }

    public override void Stop(int worker)
    {
        WorkerState state = _workers[worker];
        FreeArray(state.Classes, state.Array);
        // The last worker to stop frees the spare array too, while its allocators are still bound.
        lock (_spareArrays)
        {
            state.Array = null;
            if (_workers.All(w => w.Array == null))
                while (_spareArrays.Count > 0) FreeArray(state.Classes, (nint*)_spareArrays.Dequeue());
        }
    }
}
