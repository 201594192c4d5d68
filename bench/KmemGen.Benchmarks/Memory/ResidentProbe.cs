using System.Reflection;
using System.Runtime.InteropServices;
using KmemGen.Benchmarks.Workloads;

namespace KmemGen.Benchmarks.Memory;

/// <summary>
/// The child side of the memory measurement, run in a fresh process per allocator so that one
/// allocator's pages never count for another: allocate <c>live</c> objects of one size and keep them,
/// and print the growth of the resident set over the allocation. The runtime, the allocator's first
/// slab or segment (one warm-up pair) and the native array that holds the pointers are in place before
/// the first reading, so the growth is what the live objects cost. Every object is written whole, as a
/// program would use it, so pages an allocator reserved but never touched are not mistaken for savings.
/// </summary>
internal static unsafe class ResidentProbe
{
    public const string ResultPrefix = "RESIDENT ";

    public static void Run(AllocatorKind kind, int size, int live)
    {
        using AllocatorSubject subject = AllocatorSubject.Create(kind, size);
        using IDisposable scope = subject.Enter();
        MethodInfo measure = typeof(ResidentProbe).GetMethod(nameof(Measure), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(subject.AllocatorType);
        var (before, after) = ((long, long))measure.Invoke(null, [subject, live])!;
        Console.WriteLine($"{ResultPrefix}{before} {after}");
    }

    private static (long Before, long After) Measure<T>(AllocatorSubject<T> subject, int live) where T : struct, IObjectAllocator
    {
        T allocator = subject.Bind(0);
        var slots = (nint*)NativeMemory.Alloc((nuint)live, (nuint)sizeof(nint));
        NativeMemory.Fill(slots, (nuint)live * (nuint)sizeof(nint), 0xFF);
        // Compiles the loop and makes the allocator set itself up, outside the reading.
        Fill(allocator, slots, 1, subject.Sizes[0]);
        allocator.Free((void*)slots[0]);
        using var rss = new ResidentSetSize();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        long before = rss.Current();
        Fill(allocator, slots, live, subject.Sizes[0]);
        long after = rss.Current();

        for (int i = 0; i < live; i++) allocator.Free((void*)slots[i]);
        NativeMemory.Free(slots);
        return (before, after);
    }

    private static void Fill<T>(T allocator, nint* slots, int count, int size) where T : struct, IObjectAllocator
    {
        for (int i = 0; i < count; i++)
        {
            void* p = allocator.Alloc();
            NativeMemory.Fill(p, (nuint)size, 0xA5);
            slots[i] = (nint)p;
        }
    }
}
