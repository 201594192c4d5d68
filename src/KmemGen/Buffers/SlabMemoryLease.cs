using System.Buffers;

namespace KmemGen.Buffers;

/// <summary>
/// What <see cref="SlabMemoryPool.Rent"/> returns: one rent of a reused <see cref="SlabMemoryBlock"/>,
/// a fresh 32-byte object per rent (the block reference and its generation at the rent) and never
/// reused, so the guarantees hold for its whole life: its first Dispose returns the block and refunds
/// the rent's owner, any later Dispose throws and changes nothing, and its Memory, Span and Pin throw
/// once it was returned, even after the block went to another renter (that renter's lease carries a
/// newer generation). It is its own MemoryManager, so a Memory taken from it is checked the same way.
/// </summary>
internal sealed unsafe class SlabMemoryLease : MemoryManager<byte>, IDisposable
{
    private readonly SlabMemoryBlock _block;
    private readonly long _generation;

    internal SlabMemoryLease(SlabMemoryBlock block, long generation)
    {
        _block = block;
        _generation = generation;
    }

    /// <summary>The block's Memory without a GetSpan call (Memory's default asks GetSpan for the length).</summary>
    public override Memory<byte> Memory
    {
        get
        {
            SlabMemoryBlock block = _block;
            // Memory of a returned rent would reach memory another renter now owns.
            if (Volatile.Read(ref block.Generation) != _generation) throw block.Pool.UseAfterReturn();
            return CreateMemory(block.Length);
        }
    }

    public override Span<byte> GetSpan()
    {
        SlabMemoryBlock block = _block;
        if (Volatile.Read(ref block.Generation) != _generation) throw block.Pool.UseAfterReturn();
        return new Span<byte>(block.Pointer, block.Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        SlabMemoryBlock block = _block;
        if (Volatile.Read(ref block.Generation) != _generation) throw block.Pool.UseAfterReturn();
        if ((uint)elementIndex > (uint)block.Length)
            throw new ArgumentOutOfRangeException(nameof(elementIndex), elementIndex, $"Pin: index must be 0..{block.Length} for a {block.Length}-byte block.");
        return new MemoryHandle(block.Pointer + elementIndex);
    }

    /// <summary>
    /// The pinned array of a <see cref="BlockMemory.PinnedArray"/> block (what sockets need to send several
    /// blocks in one call); false for native blocks. Whoever keeps the array past the lease's Dispose
    /// bypasses the use-after-return check, as with any array pool.
    /// </summary>
    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        SlabMemoryBlock block = _block;
        if (Volatile.Read(ref block.Generation) != _generation) throw block.Pool.UseAfterReturn();
        if (block.Array is null)
        {
            segment = default;
            return false;
        }
        segment = new ArraySegment<byte>(block.Array);
        return true;
    }

    /// <summary>The block's memory does not move; there is nothing to unpin.</summary>
    public override void Unpin()
    {
    }

    // IMemoryOwner<byte>.Dispose lands here: MemoryManager's own IDisposable.Dispose adds a
    // GC.SuppressFinalize call, which a lease (no finalizer) does not need on every return.
    void IDisposable.Dispose() => Return();

    protected override void Dispose(bool disposing) => Return();

    private void Return()
    {
        SlabMemoryBlock block = _block;
        // Exactly one caller moves the generation on from this lease's stamp: the first Dispose. A second
        // one, or one racing it on another thread, finds a newer generation, even after a re-rent.
        if (Interlocked.CompareExchange(ref block.Generation, _generation + 1, _generation) != _generation)
            throw block.Pool.DoubleReturn();
        block.Pool.Return(block);
    }
}
