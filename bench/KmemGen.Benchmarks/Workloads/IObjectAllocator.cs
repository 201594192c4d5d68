using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// One allocator bound to one object size. The workload shapes are generic over a struct implementing
/// this, so the JIT compiles one copy of each loop per allocator with direct (inlinable) calls: every
/// allocator is measured through the same loop and none pays an interface or delegate call per object.
/// </summary>
internal unsafe interface IObjectAllocator
{
    void* Alloc();
    void Free(void* p);
}

internal readonly unsafe struct SlabCacheAllocator(SlabCache cache) : IObjectAllocator
{
    public void* Alloc() => cache.Alloc();
    public void Free(void* p) => cache.Free(p);
}

internal readonly unsafe struct KmallocAllocator(nuint size, Gfp gfp) : IObjectAllocator
{
    public void* Alloc() => Kmalloc.Alloc(size, gfp);
    public void Free(void* p) => Kmalloc.Free(p);
}

internal readonly unsafe struct GlibcAllocator(nuint size) : IObjectAllocator
{
    public void* Alloc() => NativeMemory.Alloc(size);
    public void Free(void* p) => NativeMemory.Free(p);
}

/// <summary>A native library's malloc/free (mimalloc, jemalloc) through unmanaged function pointers.</summary>
internal readonly unsafe struct NativeMallocAllocator(delegate* unmanaged<nuint, void*> malloc, delegate* unmanaged<void*, void> free, nuint size)
    : IObjectAllocator
{
    public void* Alloc() => malloc(size);
    public void Free(void* p) => free(p);
}

internal readonly unsafe struct BareListAllocator(BareHeap* heap) : IObjectAllocator
{
    public void* Alloc() => BareHeap.Alloc(heap);
    public void Free(void* p) => BareHeap.Free(heap, p);
}
