using System.Buffers;

namespace KmemGen.Buffers;

/// <summary>
/// One rented block: native memory (so already pinned: sockets and <see cref="Pin"/> need no GC
/// handle) and the owner it was charged to. A fresh object per rent, never reused, so a second
/// <see cref="IDisposable.Dispose"/> is always recognised as a double return and cannot free a block
/// someone else rented since.
/// </summary>
internal sealed unsafe class SlabMemoryBlock : MemoryManager<byte>
{
    private readonly SlabMemoryPool _pool;
    private readonly byte* _pointer;
    private readonly int _length;
    private readonly ObjCgroup? _owner;
    private readonly bool _ownsReference;
    // 0 while rented, 1 once returned: the Interlocked.Exchange in Dispose lets exactly one caller free.
    private int _returned;

    internal SlabMemoryBlock(SlabMemoryPool pool, byte* pointer, int length, ObjCgroup? owner, bool ownsReference)
    {
        _pool = pool;
        _pointer = pointer;
        _length = length;
        _owner = owner;
        _ownsReference = ownsReference;
    }

    /// <summary>The owner handle the block is charged to (null: not charged, rented at the root).</summary>
    internal ObjCgroup? Owner => _owner;

    public override Span<byte> GetSpan()
    {
        // Reading a returned block would read (or write) memory another renter now owns.
        if (Volatile.Read(ref _returned) != 0) throw _pool.UseAfterReturn();
        return new Span<byte>(_pointer, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if (Volatile.Read(ref _returned) != 0) throw _pool.UseAfterReturn();
        if ((uint)elementIndex > (uint)_length)
            throw new ArgumentOutOfRangeException(nameof(elementIndex), elementIndex, $"Pin: index must be 0..{_length} for a {_length}-byte block.");
        return new MemoryHandle(_pointer + elementIndex);
    }

    /// <summary>Native memory does not move; there is nothing to unpin.</summary>
    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _returned, 1) != 0) throw _pool.DoubleReturn();
        _pool.Return(_pointer, _owner, _ownsReference);
    }
}
