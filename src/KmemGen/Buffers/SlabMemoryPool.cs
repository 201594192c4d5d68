using System.Buffers;
using KmemGen.Internal;

namespace KmemGen.Buffers;

/// <summary>
/// A <see cref="MemoryPool{T}"/> whose blocks are native memory charged to a memory cgroup: the drop-in
/// pool for System.IO.Pipelines (<c>new PipeOptions(pool: ...)</c>), sockets and servers. Blocks are
/// <see cref="DefaultBlockSize"/> (4 KiB, Kestrel's size) unless configured; up to
/// <see cref="Kmalloc.MaxCacheSize"/> they come from a slab cache, above it from whole page blocks.
/// </summary>
/// <remarks>
/// Who pays: a pool built with an owner charges every block to that cgroup whichever thread rents
/// it (remote charging, the kernel's set_active_memcg for a connection's buffers); a pool built
/// without one charges the cgroup current on the renting flow (<see cref="MemCgroup.Current"/>).
/// Either way the block remembers the handle it charged, and returning it refunds that handle,
/// whoever returns it and whatever is current then. Over a memory.max, <see cref="Rent"/> throws
/// <see cref="MemCgroupLimitExceededException"/> with nothing allocated or charged.
/// </remarks>
public sealed unsafe class SlabMemoryPool : MemoryPool<byte>
{
    /// <summary>Kestrel's block size, and the default here.</summary>
    public const int DefaultBlockSize = 4096;

    private readonly BlockSource _source;
    // The fixed owner's handle, held from construction to Dispose (null: charge the current cgroup,
    // or the owner is the root, which is never charged).
    private readonly ObjCgroup? _fixedOwner;
    private long _blocksRented;
    private long _rents;
    private long _refusals;
    private int _disposed;

    /// <summary>A pool charging the cgroup current at each rent.</summary>
    public SlabMemoryPool(int blockSize = DefaultBlockSize) : this(blockSize, owner: null, name: null)
    {
    }

    /// <summary>
    /// A pool charging <paramref name="owner"/> for every block (null: the cgroup current at each rent).
    /// <paramref name="name"/> appears in error messages and metrics; it defaults to the owner's path.
    /// </summary>
    public SlabMemoryPool(int blockSize, MemCgroup? owner, string? name = null)
    {
        if (blockSize < 1 || blockSize > Kmalloc.MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize,
                $"SlabMemoryPool: the block size must be 1..{Kmalloc.MaxSize} bytes (one order-{Pages.MaxOrder} page block).");
        }

        _source = BlockSource.For(blockSize);
        Owner = owner;
        Name = name ?? owner?.Path ?? "current";
        if (owner is not null)
        {
            // FromCurrent is the public way to take a reference on a cgroup's handle; Enter makes the
            // owner current for this one call (a removed owner is refused here, not at the first rent).
            using (owner.Enter())
            {
                _fixedOwner = ObjCgroup.FromCurrent();
            }
        }
    }

    /// <summary>The cgroup every block is charged to, or null when each rent charges the current cgroup.</summary>
    public MemCgroup? Owner { get; }

    /// <summary>A label for messages and metrics: the given name, else the owner's path, else "current".</summary>
    public string Name { get; }

    /// <summary>The size of every block (what <see cref="Rent"/> returns, whatever was asked).</summary>
    public int BlockSize => _source.BlockSize;

    /// <summary>What one block charges its owner: <see cref="BlockSize"/>, or the whole page block above 8 KiB.</summary>
    public long BlockChargeSize => _source.ChargeSize;

    /// <summary>The largest request <see cref="Rent"/> accepts: <see cref="BlockSize"/>.</summary>
    public override int MaxBufferSize => _source.BlockSize;

    /// <summary>The slab cache the blocks come from (shared by every pool of this block size), or null for page blocks.</summary>
    public SlabCache? Cache => _source.Cache;

    /// <summary>Blocks rented and not yet returned.</summary>
    public long BlocksRented => Volatile.Read(ref _blocksRented);

    /// <summary>Bytes charged for the blocks rented and not yet returned.</summary>
    public long BytesRented => BlocksRented * _source.ChargeSize;

    /// <summary>Successful rents since the pool was created.</summary>
    public long Rents => Volatile.Read(ref _rents);

    /// <summary>Rents a memory.max refused.</summary>
    public long Refusals => Volatile.Read(ref _refusals);

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// A block of <see cref="BlockSize"/> bytes charged to the pool's owner (or the current cgroup).
    /// <paramref name="minBufferSize"/> -1 or 0..<see cref="MaxBufferSize"/>; larger is an
    /// ArgumentOutOfRangeException. Over a limit: MemCgroupLimitExceededException, nothing kept.
    /// </summary>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize < -1 || minBufferSize > _source.BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize,
                $"SlabMemoryPool '{Name}': a request must be -1 (default) or 0..{_source.BlockSize} bytes (MaxBufferSize).");
        }

        ObjectDisposedException.ThrowIf(IsDisposed, this);

        if (Owner is not null)
        {
            return RentCharged(_fixedOwner, ownsReference: false);
        }

        // The current flow's handle: its reference is handed to the block (or dropped by RentCharged on failure).
        ObjCgroup? current = ObjCgroup.FromCurrent();
        return RentCharged(current, ownsReference: current is not null);
    }

    // Charge first, then allocate (the kernel's order for page charges): a refusal leaves no block. With
    // ownsReference, the caller's reference on owner goes to the block, or is put here when no block is made.
    private IMemoryOwner<byte> RentCharged([TransfersOwnership] ObjCgroup? owner, bool ownsReference)
    {
        if (owner is not null && !owner.TryCharge(_source.ChargeSize))
        {
            if (ownsReference)
            {
                owner.Put();
            }

            Interlocked.Increment(ref _refusals);
            throw MemcgHooks.ChargeFailure(ThreadContext.Current, _source.ChargeSize);
        }

        byte* block;
        try
        {
            block = _source.Alloc();
        }
        catch
        {
            owner?.Uncharge(_source.ChargeSize);
            if (ownsReference)
            {
                owner!.Put();
            }

            throw;
        }

        Interlocked.Increment(ref _blocksRented);
        Interlocked.Increment(ref _rents);
        return new SlabMemoryBlock(this, block, _source.BlockSize, owner, ownsReference);
    }

    /// <summary>Frees a block and refunds the handle it was charged to. Called once per block (SlabMemoryBlock guarantees it).</summary>
    internal void Return(byte* block, ObjCgroup? owner, bool ownsReference)
    {
        _source.Free(block);
        if (owner is not null)
        {
            owner.Uncharge(_source.ChargeSize);
            if (ownsReference) owner.Put();
        }
        Interlocked.Decrement(ref _blocksRented);
    }

    internal InvalidOperationException DoubleReturn() =>
        new($"SlabMemoryPool '{Name}': a block was returned twice (IMemoryOwner<byte>.Dispose called again). The first return freed it and refunded its owner; the second changed nothing.");

    internal ObjectDisposedException UseAfterReturn() =>
        new(nameof(IMemoryOwner<byte>), $"SlabMemoryPool '{Name}': the block was already returned to the pool; its memory may belong to another renter.");

    /// <summary>
    /// Stops renting. Blocks still out stay valid and are freed and refunded when they are returned
    /// (a server disposes its pools before its last connections finish with their buffers).
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // The handle's charged pages keep it alive for the blocks still out; this drops only our reference.
        _fixedOwner?.Put();
    }

    public override string ToString() => $"SlabMemoryPool '{Name}' ({BlockSize}-byte blocks, {BlocksRented} rented)";
}
