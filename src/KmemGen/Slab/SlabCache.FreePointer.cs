using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using KmemGen.Internal;

namespace KmemGen;

// The free pointer: where a free object keeps the address of the next free object. Every read and
// write of one goes through EncodeNext / DecodeNext. Hardened (CONFIG_SLAB_FREELIST_HARDENED): the
// stored value is next ^ the cache's random ^ the byte-swapped address the value is stored at, so a
// write after free or an overflow into a free object decodes to an address outside the slab, which the
// allocation that would have handed it out reports (SlabCorruptionException) instead of returning
// arbitrary memory; and a leaked stored value says nothing about where objects are.
// Off by default: it measured 3-7 % on the unaccounted alloc+free shapes, above the 3 % a default may
// cost (docs/reliability.md). KMEMGEN_SLAB_FREELIST_HARDENED=1, or the runtimeconfig switch
// KmemGen.SlabFreelistHardened, turns it on for the process; the double-free check at the head of a
// list does not depend on it.
public sealed unsafe partial class SlabCache
{
    /// <summary>The runtimeconfig switch (runtimeconfig.template.json configProperties) that turns hardening on.</summary>
    internal const string FreelistHardenedSwitch = "KmemGen.SlabFreelistHardened";

    /// <summary>Read once at start-up: the JIT folds the branches on it away, so off costs nothing.</summary>
    internal static readonly bool FreelistHardened = ReadFreelistHardened();

    private static bool ReadFreelistHardened()
    {
        string? variable = Environment.GetEnvironmentVariable("KMEMGEN_SLAB_FREELIST_HARDENED");
        if (variable is not null) return variable == "1";
        return AppContext.TryGetSwitch(FreelistHardenedSwitch, out bool on) && on;
    }

    /// <summary>s->random: a per-cache secret, never 0.</summary>
    private readonly ulong _fpRandom;

    private static ulong FreePointerRandom()
    {
        ulong r;
        do r = (ulong)RandomNumberGenerator.GetInt32(int.MaxValue) << 32 | (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        while (r == 0);
        return r;
    }

    /// <summary>get_freepointer (freelist_ptr_decode): the object after <paramref name="slot"/> on its free list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void* DecodeNext(byte* slot)
    {
        ulong* at = (ulong*)(slot + _fpOffset);
        ulong stored = *at;
        return FreelistHardened ? (void*)(stored ^ _fpRandom ^ BinaryPrimitives.ReverseEndianness((ulong)at)) : (void*)stored;
    }

    /// <summary>set_freepointer (freelist_ptr_encode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EncodeNext(byte* slot, void* next)
    {
        ulong* at = (ulong*)(slot + _fpOffset);
        *at = FreelistHardened ? (ulong)next ^ _fpRandom ^ BinaryPrimitives.ReverseEndianness((ulong)at) : (ulong)next;
    }

    /// <summary>A decoded next pointer of the thread's current slab is the end of the list or inside that slab.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NextIsValid(CpuSlab c, void* next) =>
        !FreelistHardened || (nuint)next - (nuint)c.SlabStart < c.SlabSpan || next == null;

    /// <summary>
    /// DecodeNext for walking a whole list in a slow path (counting, splicing): a pointer that leads
    /// outside the slab ends the list there, so a corrupted free object loses the objects after it instead
    /// of sending the walk through arbitrary memory.
    /// </summary>
    private void* WalkNext(PageDesc* s, byte* slot)
    {
        void* next = DecodeNext(slot);
        byte* start = Arena.AddressOf(s);
        if (next != null && (nuint)next - (nuint)start >= (nuint)s->Objects * (nuint)_size)
        {
            EncodeNext(slot, null);
            return null;
        }
        return next;
    }

    /// <summary>
    /// The free object at the head of the thread's list has a free pointer that leads outside its slab:
    /// its memory was written while it was free. The list is cut there (the object and the ones after it
    /// are never handed out) and the allocation reports where.
    /// </summary>
    private SlabCorruptionException CorruptFreePointer(CpuSlab c, byte* slot, void* next)
    {
        c.Freelist = null;
        return new SlabCorruptionException(Name, (nint)(slot + _objOffset),
            $"free pointer corrupted: it decodes to 0x{(nuint)next:x}, outside the slab at 0x{(nuint)c.SlabStart:x} (written after free, or overflowed into from the object before)");
    }

    /// <summary>
    /// The double-free check that needs no debug flag (the kernel's "object == fp" in set_freepointer's
    /// caller): the object being freed is already the first object of its slab's free list, remote list,
    /// or of the calling thread's list (<paramref name="c"/>, its CpuSlab of this cache, if any). A correct free
    /// never is: the object is in use.
    /// </summary>
    private static bool IsFreeListHead(CpuSlab? c, PageDesc* s, byte* slot) =>
        (c != null && c.Slab == s && c.Freelist == slot) || IsSlabListHead(s, Arena.AddressOf(s), slot);

    /// <summary>
    /// The slab's part of <see cref="IsFreeListHead"/>: <paramref name="slot"/> heads its local or remote
    /// list. <paramref name="start"/> is the slab's address, which a hot caller already has.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSlabListHead(PageDesc* s, byte* start, byte* slot) =>
        s->Freelist == slot || RemoteHead(start, Volatile.Read(ref s->Remote)) == slot;

    private SlabCorruptionException DoubleFree(void* obj) =>
        new(Name, (nint)obj, "double free: the object is already free (it is the first object of its slab's free list)");
}
