using System.Runtime.CompilerServices;

namespace KmemGen;

// The free pointer: where a free object keeps the address of the next free object. Every read and
// write of one goes through these two methods, so that the encoding is decided in one place.
public sealed unsafe partial class SlabCache
{
    /// <summary>get_freepointer: the object after <paramref name="slot"/> on its free list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void* DecodeNext(byte* slot) => *(void**)(slot + _fpOffset);

    /// <summary>set_freepointer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EncodeNext(byte* slot, void* next) => *(void**)(slot + _fpOffset) = next;
}
