namespace KmemGen;

// STUB: public surface only; the allocator work replaces the bodies.
public static unsafe class Kmalloc
{
    public static void* Alloc(nuint size, Gfp gfp = Gfp.Kernel) => throw new NotImplementedException();
    public static void* TryAlloc(nuint size, Gfp gfp = Gfp.Kernel) => throw new NotImplementedException();
    public static void Free(void* p) => throw new NotImplementedException();
}
