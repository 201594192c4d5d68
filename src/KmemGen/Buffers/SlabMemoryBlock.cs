using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KmemGen.Buffers;

/// <summary>
/// One block of a <see cref="SlabMemoryPool"/> (native memory or a pinned array) and its rent state, reused from rent to rent
/// (the pool keeps returned blocks in its free queue, as Kestrel's pool keeps its MemoryPoolBlocks).
/// Renters never see this object: each rent gets its own <see cref="SlabMemoryLease"/>, stamped with
/// the block's <see cref="Generation"/> at that rent. The one Dispose that returns the rent moves the
/// generation on (compare-and-swap from the lease's stamp), so a lease of an earlier rent, kept after
/// its Dispose, no longer matches: its second Dispose is refused and its Memory is refused, whoever
/// has rented the block since.
/// </summary>
internal sealed unsafe class SlabMemoryBlock
{
    internal SlabMemoryBlock(SlabMemoryPool pool, byte* pointer, int length)
    {
        Pool = pool;
        Pointer = pointer;
        Length = length;
    }

    /// <summary>A block over a pinned array (<see cref="BlockMemory.PinnedArray"/>): its address never changes.</summary>
    internal SlabMemoryBlock(SlabMemoryPool pool, byte[] pinnedArray)
        : this(pool, (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray)), pinnedArray.Length)
    {
        Array = pinnedArray;
    }

    internal SlabMemoryPool Pool { get; }

    /// <summary>The block's memory (never moves: no pinning needed); owned by the block from its allocation to its free.</summary>
    internal byte* Pointer { get; }

    internal int Length { get; }

    /// <summary>The pinned array holding the block, or null for native memory.</summary>
    internal byte[]? Array { get; }

    /// <summary>
    /// Which rent the block serves: the stamp of the one live lease while rented; moved on by that
    /// lease's Dispose (so a 64-bit count of returns: a stale lease would need 2^64 reuses to match again).
    /// </summary>
    internal long Generation;

    /// <summary>The handle the current rent charged (null: not charged); written at rent, taken back at return.</summary>
    internal ObjCgroup? Owner;

    /// <summary>Whether the current rent holds its own reference on <see cref="Owner"/> (current-cgroup pools), put at return.</summary>
    internal bool OwnsReference;
}
