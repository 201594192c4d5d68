using System.Collections.Concurrent;
using KmemGen.Internal;

namespace KmemGen.Buffers;

/// <summary>
/// Where a pool's blocks come from: one unaccounted slab cache per block size up to
/// <see cref="Kmalloc.MaxCacheSize"/>, shared by every pool of that size, and whole page blocks
/// (2^order pages) above it. The memory itself is never charged here: the pool charges each block
/// explicitly to the owner it decided on (see <see cref="SlabMemoryPool"/>), so the charge and the
/// refund name the same cgroup whichever thread rents or returns.
/// </summary>
internal sealed unsafe class BlockSource
{
    private static readonly ConcurrentDictionary<int, BlockSource> s_bySize = new();

    private readonly SlabCache? _cache;
    private readonly int _order;

    private BlockSource(int blockSize)
    {
        BlockSize = blockSize;
        if (blockSize <= Kmalloc.MaxCacheSize)
        {
            _cache = SlabCache.Create($"memory-pool-{blockSize}", blockSize, SlabFlags.None, align: 64);
            ChargeSize = blockSize;
        }
        else
        {
            _order = Arena.GetOrder((ulong)blockSize);
            ChargeSize = (long)Arena.PageSize << _order;
        }
    }

    /// <summary>The usable bytes of one block.</summary>
    public int BlockSize { get; }

    /// <summary>What one block costs its owner: the block size for slab blocks, the whole 2^order pages above.</summary>
    public long ChargeSize { get; }

    /// <summary>The slab cache behind the blocks, or null when they are page blocks.</summary>
    public SlabCache? Cache => _cache;

    /// <summary>The source for <paramref name="blockSize"/>, created on first use (one slab cache per size, never disposed).</summary>
    public static BlockSource For(int blockSize) => s_bySize.GetOrAdd(blockSize, static size => new BlockSource(size));

    /// <summary>A block, or an OutOfMemoryException when the page allocator has none.</summary>
    public byte* Alloc() => _cache is not null ? (byte*)_cache.Alloc(Gfp.Kernel) : (byte*)Pages.Alloc(_order, Gfp.Kernel);

    public void Free(byte* block)
    {
        if (_cache is not null) _cache.Free(block);
        else Pages.Free(block);
    }
}
