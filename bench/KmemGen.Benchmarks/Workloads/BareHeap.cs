using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// The control allocator: one object size, one heap per thread, a singly linked free list and a bump
/// pointer over 1 MiB chunks, no checks and no accounting. Objects freed by another thread go back to
/// the allocating thread's heap through a lock-free stack (one compare-and-swap per object), which the
/// owner takes whole with one exchange when its own list runs dry (mimalloc's thread-delayed free
/// list, reduced to its minimum); without that, a producer/consumer workload would grow without bound.
/// Chunks are returned only by <see cref="Destroy"/>, once no thread uses the heap any more.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal unsafe struct BareHeap
{
    // Aligned to their size so that a free finds the chunk header by masking; only the pages touched
    // become resident, so the alignment slack glibc reserves costs address space, not memory.
    public const int ChunkSize = 1024 * 1024;
    private const int ChunkHeader = 64;

    // Written by the owning thread only.
    [FieldOffset(0)] private void* _local;
    [FieldOffset(8)] private byte* _bump;
    [FieldOffset(16)] private byte* _bumpEnd;
    [FieldOffset(24)] private byte* _chunks;
    [FieldOffset(32)] private int _size;

    // Pushed by other threads: 128 bytes away from the owner's fields so that remote frees do not
    // take the owner's cache line (nor its adjacent-line prefetch pair) away from it.
    [FieldOffset(128)] private nint _remote;

    public static BareHeap* Create(int objectSize)
    {
        if (objectSize < sizeof(void*) || objectSize > ChunkSize - ChunkHeader)
            throw new ArgumentOutOfRangeException(nameof(objectSize), objectSize, $"a bare heap holds objects of {sizeof(void*)} to {ChunkSize - ChunkHeader} bytes");
        var heap = (BareHeap*)NativeMemory.AlignedAlloc((nuint)sizeof(BareHeap), 128);
        *heap = default;
        heap->_size = (objectSize + 7) & ~7;
        return heap;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Alloc(BareHeap* heap)
    {
        void* p = heap->_local;
        if (p == null) return AllocSlow(heap);
        heap->_local = *(void**)p;
        return p;
    }

    /// <summary>Frees on behalf of <paramref name="caller"/>, the heap of the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Free(BareHeap* caller, void* p)
    {
        // Each chunk starts with the address of the heap that carved it.
        BareHeap* owner = *(BareHeap**)((nint)p & ~(nint)(ChunkSize - 1));
        if (owner != caller)
        {
            PushRemote(owner, p);
            return;
        }
        *(void**)p = caller->_local;
        caller->_local = p;
    }

    /// <summary>Returns every chunk; only when no thread allocates from or frees into this heap any more.</summary>
    public static void Destroy(BareHeap* heap)
    {
        byte* chunk = heap->_chunks;
        while (chunk != null)
        {
            byte* next = *(byte**)(chunk + sizeof(void*));
            NativeMemory.AlignedFree(chunk);
            chunk = next;
        }
        NativeMemory.AlignedFree(heap);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void* AllocSlow(BareHeap* heap)
    {
        nint remote = Interlocked.Exchange(ref heap->_remote, 0);
        if (remote != 0)
        {
            heap->_local = *(void**)remote;
            return (void*)remote;
        }
        if (heap->_bump + heap->_size > heap->_bumpEnd)
        {
            byte* chunk = (byte*)NativeMemory.AlignedAlloc(ChunkSize, ChunkSize);
            *(BareHeap**)chunk = heap;
            *(byte**)(chunk + sizeof(void*)) = heap->_chunks;
            heap->_chunks = chunk;
            heap->_bump = chunk + ChunkHeader;
            heap->_bumpEnd = chunk + ChunkSize;
        }
        void* p = heap->_bump;
        heap->_bump += heap->_size;
        return p;
    }

    private static void PushRemote(BareHeap* owner, void* p)
    {
        nint head;
        do
        {
            head = Volatile.Read(ref owner->_remote);
            *(nint*)p = head;
        }
        while (Interlocked.CompareExchange(ref owner->_remote, (nint)p, head) != head);
    }
}
