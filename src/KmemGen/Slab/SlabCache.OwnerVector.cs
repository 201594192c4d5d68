using System.Runtime.InteropServices;
using KmemGen.Internal;

namespace KmemGen;

// Where owner vectors (obj_exts) come from. A vector is one 16-bit owner id per object of a slab (ids
// live in the kernel's 16-bit memcg id space, MemcgHooks.MaxOwnerId): 128 bytes for a slab of 64-byte
// objects, 32 bytes for a slab of 256-byte objects. They are carved from the kmalloc caches of exactly
// that size class, as the kernel allocates obj_exts with kmalloc, so an owner slot costs 2 bytes plus
// the size class's rounding (none for power-of-two object counts) and no allocator header. Vectors of
// 128 bytes and more sit on 128-byte boundaries of their kmalloc slab (the slot size is a power of two),
// so two of them never share a cache-line pair; smaller ones share a line pair with a few others (their
// slots are written on alloc and free, by the slab's owner and by remote frees).
public sealed unsafe partial class SlabCache
{
    private static nuint OwnerVecBytes(int objects) => (nuint)objects * sizeof(ushort);

    /// <summary>A zeroed vector for a slab of <paramref name="objects"/> objects, or null when there is no memory.</summary>
    private ushort* AllocOwnerVec(ThreadContext tc, int objects)
    {
        nuint bytes = OwnerVecBytes(objects);
        SlabCache? from = VectorCache(bytes);
        if (from is null)
        {
            try
            {
                void* v = NativeMemory.AlignedAlloc(bytes, 128);
                NativeMemory.Clear(v, bytes);
                return (ushort*)v;
            }
            catch (OutOfMemoryException)
            {
                return null;
            }
        }
        // The vector is the allocator's own bookkeeping, not the caller's allocation: fault points
        // armed for the caller's next slab or page must not fire here.
        int armed = tc.FaultArmed;
        tc.FaultArmed = 0;
        try
        {
            return (ushort*)from.TryAlloc(Gfp.Zero);
        }
        finally
        {
            tc.FaultArmed = armed;
        }
    }

    private void FreeOwnerVec(ushort* vec, int objects)
    {
        SlabCache? from = VectorCache(OwnerVecBytes(objects));
        if (from is null) NativeMemory.AlignedFree(vec);
        else from.Free(vec);
    }

    // Vectors of a kmalloc cache's own slabs would come from that same cache (a cache cannot refill
    // itself in the middle of a refill), and very large ones have no size class: those use the heap.
    private SlabCache? VectorCache(nuint bytes)
    {
        if (bytes > Kmalloc.MaxCacheSize) return null;
        SlabCache cache = Kmalloc.CacheFor(bytes, Gfp.Kernel);
        return cache == this ? null : cache;
    }
}
