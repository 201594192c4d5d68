namespace KmemGen.Benchmarks.Workloads;

/// <summary>(a) Free(Alloc()): the object never leaves the thread's hottest slot.</summary>
internal sealed unsafe class ImmediatePairShape<T>(AllocatorSubject<T> subject) : WorkloadShape
    where T : struct, IObjectAllocator
{
    private readonly T _allocator = subject.Bind(0);

    public override void RunRound()
    {
        using (subject.Enter()) Pairs(_allocator, OperationsPerRound);
    }

    private static void Pairs(T allocator, int count)
    {
        for (int i = 0; i < count; i++) allocator.Free(allocator.Alloc());
    }

    public override void Dispose() => subject.Dispose();
}
