using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// (b) Batches of N live objects: N allocations, then the N frees in allocation order (or, with
/// <c>randomOrder</c>, in one fixed random order: objects of a service die in any order, so most frees
/// land in a slab other than the one the previous free went to), repeated until the round's pairs are
/// done. Once N outgrows a slab, refills and frees leave the fast path.
/// </summary>
internal sealed unsafe class LiveBatchShape<T> : WorkloadShape where T : struct, IObjectAllocator
{
    private readonly AllocatorSubject<T> _subject;
    private readonly T _allocator;
    private readonly int _live;
    private readonly int _batches;
    private readonly nint* _slots;
    /// <summary>The order of the frees (slot indexes, a permutation of 0..N-1), or null for allocation order.</summary>
    private readonly int[]? _freeOrder;

    public LiveBatchShape(AllocatorSubject<T> subject, int live) : this(subject, live, randomOrder: false)
    {
    }

    public LiveBatchShape(AllocatorSubject<T> subject, int live, bool randomOrder)
    {
        _batches = RepeatsPerRound(live, nameof(live));
        _subject = subject;
        _allocator = subject.Bind(0);
        _live = live;
        _slots = (nint*)NativeMemory.AlignedAlloc((nuint)live * (nuint)sizeof(nint), 128);
        if (randomOrder)
        {
            _freeOrder = Enumerable.Range(0, live).ToArray();
            // The same seed for every allocator, so they all free in the same order.
            new Random(live).Shuffle(_freeOrder);
        }
    }

    public override void RunRound()
    {
        using (_subject.Enter())
        {
            if (_freeOrder is null) Batches(_allocator, _slots, _live, _batches);
            else BatchesFreedInGivenOrder(_allocator, _slots, _live, _batches, _freeOrder);
        }
    }

    internal static void Batches(T allocator, nint* slots, int live, int batches)
    {
        for (int b = 0; b < batches; b++)
        {
            for (int i = 0; i < live; i++) slots[i] = (nint)allocator.Alloc();
            for (int i = 0; i < live; i++) allocator.Free((void*)slots[i]);
        }
    }

    // A loop of its own rather than Batches over an identity order: (b) and (e) keep the loop their
    // earlier figures were measured with, without a load from the order array per free.
    private static void BatchesFreedInGivenOrder(T allocator, nint* slots, int live, int batches, int[] freeOrder)
    {
        for (int b = 0; b < batches; b++)
        {
            for (int i = 0; i < live; i++) slots[i] = (nint)allocator.Alloc();
            foreach (int i in freeOrder) allocator.Free((void*)slots[i]);
        }
    }

    public override void Dispose()
    {
        NativeMemory.AlignedFree(_slots);
        _subject.Dispose();
    }
}
