using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Allocator;

/// <summary>
/// The physical limit: a [ThreadStatic] singly linked free list over one native block, no checks,
/// no accounting, no slabs. Each thread carves its own block on first use.
/// </summary>
internal static unsafe class BareFreeList
{
    #pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (dotnet/runtime's prefix); the naming rules cannot see attributes
    [ThreadStatic] private static void* s_free;
    #pragma warning restore IDE1006
    #pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (dotnet/runtime's prefix); the naming rules cannot see attributes
    [ThreadStatic] private static int s_size;
    #pragma warning restore IDE1006

    public static void EnsureThread(int size, int count = 4096)
    {
        if (s_free != null && s_size == size) return;
        byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)(size * count), 64);
        for (int i = 0; i < count; i++)
            *(void**)(block + i * size) = i + 1 < count ? block + (i + 1) * size : null;
        s_free = block;
        s_size = size;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* AllocInline()
    {
        void* p = s_free;
        s_free = *(void**)p;
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FreeInline(void* p)
    {
        *(void**)p = s_free;
        s_free = p;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void* AllocCall() => AllocInline();

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void FreeCall(void* p) => FreeInline(p);
}
