using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// (b) Batches of N live objects: N allocations, then the N frees in allocation order, repeated until
/// the round's pairs are done. Once N outgrows a slab, refills and frees leave the fast path.
/// </summary>
internal sealed unsafe class LiveBatchShape<T> : WorkloadShape where T : struct, IObjectAllocator
{
    private readonly AllocatorSubject<T> _subject;
    private readonly T _allocator;
    private readonly int _live;
    private readonly int _batches;
    private readonly nint* _slots;

    public LiveBatchShape(AllocatorSubject<T> subject, int live)
    {
        _batches = RepeatsPerRound(live, nameof(live));
        _subject = subject;
        _allocator = subject.Bind(0);
        _live = live;
        _slots = (nint*)NativeMemory.AlignedAlloc((nuint)live * (nuint)sizeof(nint), 128);
    }

    public override void RunRound()
    {
        using (_subject.Enter()) Batches(_allocator, _slots, _live, _batches);
    }

    internal static void Batches(T allocator, nint* slots, int live, int batches)
    {
        for (int b = 0; b < batches; b++)
        {
            for (int i = 0; i < live; i++) slots[i] = (nint)allocator.Alloc();
            for (int i = 0; i < live; i++) allocator.Free((void*)slots[i]);
        }
    }

    public override void Dispose()
    {
        NativeMemory.AlignedFree(_slots);
        _subject.Dispose();
    }
}
