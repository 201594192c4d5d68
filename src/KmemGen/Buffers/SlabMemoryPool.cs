using System.Buffers;
using System.Collections.Concurrent;
using KmemGen.Internal;

namespace KmemGen.Buffers;

/// <summary>
/// A <see cref="MemoryPool{T}"/> whose blocks are charged to a memory cgroup: the drop-in pool for
/// System.IO.Pipelines (<c>new PipeOptions(pool: ...)</c>), sockets and servers. Blocks are
/// <see cref="DefaultBlockSize"/> (4 KiB, Kestrel's size) unless configured. Native blocks (the default)
/// up to <see cref="Kmalloc.MaxCacheSize"/> come from a slab cache, above it from whole page blocks;
/// <see cref="BlockMemory.PinnedArray"/> blocks are pinned arrays, as ASP.NET Core's socket transport needs.
/// </summary>
/// <remarks>
/// Who pays: a pool built with an owner charges every block to that cgroup whichever thread rents
/// it (remote charging, the kernel's set_active_memcg for a connection's buffers); a pool built
/// without one charges the cgroup current on the renting flow (<see cref="MemCgroup.Current"/>).
/// Either way the rent remembers the handle it charged, and returning it refunds that handle,
/// whoever returns it and whatever is current then. Over a memory.max, <see cref="Rent"/> throws
/// <see cref="MemCgroupLimitExceededException"/> with nothing allocated or charged.
/// Returned blocks are kept for the next rents (up to <see cref="MaxCachedBlocks"/>), block objects
/// included; each rent still gets its own small lease object, so a second Dispose of a lease, or its
/// Memory after its Dispose, is refused even once another renter has the block.
/// <para>
/// What a kept block costs: with an owner, it stays charged to that owner while it waits (as page cache
/// stays charged to its memcg), so the owner's memory.current includes the pool's idle blocks: a rent
/// served from the cache charges nothing new, a return into the cache refunds nothing, and a block is
/// refunded when it leaves the cache for good (the cache is full, the pool is disposed, or reclaim took
/// it). The pool registers a <see cref="Shrinker"/> for them, so reclaim of the owner (memory.max before
/// a rent is refused, memory.high, a memory.reclaim write) frees idle blocks first. Without an owner,
/// a return refunds the cgroup that rent charged and the kept block is charged to no one until the
/// next rent charges its renter (who pays for an idle block is not known before it is rented).
/// </para>
/// </remarks>
public sealed unsafe class SlabMemoryPool : MemoryPool<byte>
{
    /// <summary>Kestrel's block size, and the default here.</summary>
    public const int DefaultBlockSize = 4096;

    // Native blocks' source; null for pinned arrays.
    private readonly BlockSource? _source;
    private readonly int _blockSize;
    private readonly long _chargeSize;
    // The fixed owner's handle, held from construction to Dispose (null: charge the current cgroup,
    // or the owner is the root, which is never charged).
    private readonly ObjCgroup? _fixedOwner;
    // Returned blocks kept for the next rents (native memory and block object): charged to _fixedOwner
    // (with an owner), to no one (without one).
    private readonly ConcurrentQueue<SlabMemoryBlock> _free = new();
    // Frees idle blocks when the fixed owner is reclaimed; null without a fixed owner.
    private readonly SlabMemoryPoolShrinker? _shrinker;
    private readonly long _maxCachedBlocks;
    private long _allocatedBlocks;
    private long _rents;
    private long _returns;
    private long _refusals;
    private int _disposed;

    /// <summary>What a pool keeps of its returned blocks unless told otherwise: 256 KiB (64 blocks of 4 KiB).</summary>
    public const int DefaultMaxCachedBytes = 256 * 1024;

    /// <summary>A pool charging the cgroup current at each rent.</summary>
    public SlabMemoryPool(int blockSize = DefaultBlockSize) : this(blockSize, owner: null, name: null)
    {
    }

    /// <summary>
    /// A pool charging <paramref name="owner"/> for every block (null: the cgroup current at each rent).
    /// <paramref name="name"/> appears in error messages and metrics; it defaults to the owner's path.
    /// Up to <paramref name="maxCachedBytes"/> of returned blocks are kept for the next rents
    /// (<see cref="CachedBlocks"/>); 0 frees every block at its return. <paramref name="memory"/>: native
    /// memory from the slab (the default) or pinned arrays (what ASP.NET Core's socket transport needs).
    /// </summary>
    public SlabMemoryPool(int blockSize, MemCgroup? owner, string? name = null, int maxCachedBytes = DefaultMaxCachedBytes,
        BlockMemory memory = BlockMemory.Native)
    {
        if (blockSize < 1 || blockSize > Kmalloc.MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize,
                $"SlabMemoryPool: the block size must be 1..{Kmalloc.MaxSize} bytes (one order-{Pages.MaxOrder} page block).");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(maxCachedBytes);
        if (memory is not BlockMemory.Native and not BlockMemory.PinnedArray)
            throw new ArgumentOutOfRangeException(nameof(memory), memory, "SlabMemoryPool: memory must be Native or PinnedArray.");

        Memory = memory;
        _blockSize = blockSize;
        if (memory == BlockMemory.Native)
        {
            _source = BlockSource.For(blockSize);
            _chargeSize = _source.ChargeSize;
        }
        else
        {
            _chargeSize = blockSize;
        }
        _maxCachedBlocks = maxCachedBytes / _chargeSize;
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

        if (_fixedOwner is not null && _maxCachedBlocks > 0)
        {
            _shrinker = Shrinker.Register(new SlabMemoryPoolShrinker(this));
        }
    }

    /// <summary>The cgroup every block is charged to, or null when each rent charges the current cgroup.</summary>
    public MemCgroup? Owner { get; }

    /// <summary>A label for messages and metrics: the given name, else the owner's path, else "current".</summary>
    public string Name { get; }

    /// <summary>Where the blocks live: native memory or pinned arrays.</summary>
    public BlockMemory Memory { get; }

    /// <summary>The size of every block (what <see cref="Rent"/> returns, whatever was asked).</summary>
    public int BlockSize => _blockSize;

    /// <summary>
    /// What one block charges its owner: <see cref="BlockSize"/>, or for native blocks above 8 KiB the
    /// whole page block.
    /// </summary>
    public long BlockChargeSize => _chargeSize;

    /// <summary>The largest request <see cref="Rent"/> accepts: <see cref="BlockSize"/>.</summary>
    public override int MaxBufferSize => _blockSize;

    /// <summary>The slab cache the blocks come from (shared by every native pool of this block size), or null for page blocks and pinned arrays.</summary>
    public SlabCache? Cache => _source?.Cache;

    /// <summary>Blocks rented and not yet returned.</summary>
    public long BlocksRented
    {
        get
        {
            // Returns first: every return counted there was counted as a rent before, so the difference is never negative.
            long returns = Volatile.Read(ref _returns);
            return Volatile.Read(ref _rents) - returns;
        }
    }

    /// <summary>
    /// Returned blocks the pool keeps for its next rents (at most <see cref="MaxCachedBlocks"/>). With an
    /// owner they stay charged to it (its memory.current includes them) until they are freed: when the
    /// pool is disposed, or by reclaim of the owner (<see cref="Shrinker"/>). Without an owner they are
    /// charged to no cgroup while kept.
    /// </summary>
    public long CachedBlocks => Math.Max(0, Volatile.Read(ref _allocatedBlocks) - BlocksRented);

    /// <summary>The most returned blocks the pool keeps: <c>maxCachedBytes</c> / <see cref="BlockChargeSize"/>; 0 frees every returned block.</summary>
    public long MaxCachedBlocks => _maxCachedBlocks;

    /// <summary>Bytes charged for the blocks rented and not yet returned.</summary>
    public long BytesRented => BlocksRented * _chargeSize;

    /// <summary>
    /// The shrinker that frees idle cached blocks when the owner is reclaimed (its <see cref="Shrinker.Failures"/>
    /// show in diagnostics); registered from construction to <see cref="MemoryPool{T}.Dispose()"/>. Null for a
    /// pool without an owner, with the root as owner (never charged) or without a cache.
    /// </summary>
    public Shrinker? Shrinker => _shrinker;

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
        if (minBufferSize < -1 || minBufferSize > _blockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize,
                $"SlabMemoryPool '{Name}': a request must be -1 (default) or 0..{_blockSize} bytes (MaxBufferSize).");
        }

        ObjectDisposedException.ThrowIf(IsDisposed, this);

        if (_fixedOwner is not null)
        {
            return RentOwned(_fixedOwner);
        }

        if (Owner is not null)
        {
            // The root: never charged.
            return RentCharged(null, ownsReference: false);
        }

        // The current flow's handle: its reference is handed to the block (or dropped by RentCharged on failure).
        ObjCgroup? current = ObjCgroup.FromCurrent();
        return RentCharged(current, ownsReference: current is not null);
    }

    // A fixed owner's cached blocks are still charged to it: a rent from the cache charges nothing. Else
    // charge first, then allocate: a refusal allocates nothing (reclaim ran before it, and freed this
    // owner's idle blocks in every pool).
    private SlabMemoryLease RentOwned(ObjCgroup owner)
    {
        if (!_free.TryDequeue(out SlabMemoryBlock? block))
        {
            if (!owner.TryCharge(_chargeSize))
            {
                throw Refused();
            }

            try
            {
                block = AllocBlock();
            }
            catch
            {
                owner.Uncharge(_chargeSize);
                throw;
            }
        }

        return Lease(block, owner, ownsReference: false);
    }

    // Current-cgroup pools (and the root owner): charge first, then take a block (the kernel's order for page charges): a refusal takes no block
    // and allocates nothing. With ownsReference, the caller's reference on owner goes to the rent, or
    // is put here when no block is rented.
    private SlabMemoryLease RentCharged([TransfersOwnership] ObjCgroup? owner, bool ownsReference)
    {
        if (owner is not null && !owner.TryCharge(_chargeSize))
        {
            if (ownsReference)
            {
                owner.Put();
            }

            throw Refused();
        }

        if (!_free.TryDequeue(out SlabMemoryBlock? block))
        {
            try
            {
                block = AllocBlock();
            }
            catch
            {
                owner?.Uncharge(_chargeSize);
                if (ownsReference)
                {
                    owner!.Put();
                }

                throw;
            }
        }

        return Lease(block, owner, ownsReference);
    }

    // The one place a rent is counted and its lease made. The dequeue (or allocation) read the block
    // after its last return published the generation that return moved on to.
    private SlabMemoryLease Lease(SlabMemoryBlock block, [TransfersOwnership] ObjCgroup? owner, bool ownsReference)
    {
        block.Owner = owner;
        block.OwnsReference = ownsReference;
        Interlocked.Increment(ref _rents);
        return new SlabMemoryLease(block, block.Generation);
    }

    // A charge the owner's memory.max refused (after reclaim): counted, and the exception naming the cgroup.
    private Exception Refused()
    {
        Interlocked.Increment(ref _refusals);
        return MemcgHooks.ChargeFailure(ThreadContext.Current, _chargeSize);
    }

    /// <summary>
    /// Keeps the block for the next rent (or frees it when the pool already keeps <see cref="MaxCachedBlocks"/>,
    /// or is disposed). A fixed owner stays charged while the block is kept and is refunded when it is
    /// freed; without one, the handle the rent charged is refunded here. Called once per rent: the
    /// lease's generation compare-and-swap guarantees it.
    /// </summary>
    internal void Return(SlabMemoryBlock block)
    {
        ObjCgroup? owner = block.Owner;
        bool ownsReference = block.OwnsReference;
        block.Owner = null;
        block.OwnsReference = false;
        if (owner is not null && _fixedOwner is null)
        {
            owner.Uncharge(_chargeSize);
            if (ownsReference) owner.Put();
        }
        Interlocked.Increment(ref _returns);

        // Blocks allocated and not rented (this one included): the queue's length, read without touching the queue.
        if (IsDisposed || Volatile.Read(ref _allocatedBlocks) - BlocksRented > _maxCachedBlocks)
        {
            FreeBlock(block);
            return;
        }

        _free.Enqueue(block);
        // Dispose may have drained the queue between the check and the enqueue: drain again (its
        // process-wide barrier makes sure one of the two sees the block).
        if (IsDisposed) DrainFreeBlocks();
    }

    private SlabMemoryBlock AllocBlock()
    {
        SlabMemoryBlock block = _source is not null
            ? new SlabMemoryBlock(this, _source.Alloc(), _blockSize)
            : new SlabMemoryBlock(this, GC.AllocateUninitializedArray<byte>(_blockSize, pinned: true));
        Interlocked.Increment(ref _allocatedBlocks);
        return block;
    }

    // The block object is dropped with its memory (a pinned array goes with it to the GC); its generation
    // already moved past every lease's stamp. A fixed owner is refunded here: its blocks stay charged
    // from their allocation to their free (the handle's charged pages keep it alive after Dispose's Put).
    private void FreeBlock(SlabMemoryBlock block)
    {
        _source?.Free(block.Pointer);
        Interlocked.Decrement(ref _allocatedBlocks);
        _fixedOwner?.Uncharge(_chargeSize);
    }

    /// <summary>Whether the idle blocks are charged to <paramref name="memcg"/>: the owner, or after its removal the ancestor its charges moved to.</summary>
    internal bool IsChargedTo(MemCgroup memcg)
    {
        if (_fixedOwner is null) return false;
        using (Rcu.ReadLock())
        {
            return ReferenceEquals(_fixedOwner.MemCgroup, memcg);
        }
    }

    /// <summary>Frees up to <paramref name="count"/> idle blocks, refunding the owner; returns how many (the shrinker's scan).</summary>
    internal long FreeCachedBlocks(long count)
    {
        long freed = 0;
        while (freed < count && _free.TryDequeue(out SlabMemoryBlock? block))
        {
            FreeBlock(block);
            freed++;
        }

        return freed;
    }

    private void DrainFreeBlocks() => FreeCachedBlocks(long.MaxValue);

    internal InvalidOperationException DoubleReturn() =>
        new($"SlabMemoryPool '{Name}': a block was returned twice (IMemoryOwner<byte>.Dispose called again). The first return freed it and refunded its owner; the second changed nothing.");

    internal ObjectDisposedException UseAfterReturn() =>
        new(nameof(IMemoryOwner<byte>), $"SlabMemoryPool '{Name}': the block was already returned to the pool; its memory may belong to another renter.");

    /// <summary>
    /// Stops renting and frees the cached blocks. Blocks still out stay valid and are freed and refunded
    /// when they are returned (a server disposes its pools before its last connections finish with their buffers).
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // A return may have checked IsDisposed before the exchange and enqueue after it: the barrier
        // makes its enqueue visible to the drain below, or makes it see the flag and drain itself.
        Interlocked.MemoryBarrierProcessWide();
        // Waits for a shrinker call in flight; none starts after it.
        _shrinker?.Unregister();
        DrainFreeBlocks();
        // The handle's charged pages keep it alive for the blocks still out; this drops only our reference.
        _fixedOwner?.Put();
    }

    public override string ToString() => $"SlabMemoryPool '{Name}' ({BlockSize}-byte blocks, {BlocksRented} rented)";
}
