namespace KmemGen.Buffers;

/// <summary>Where a <see cref="SlabMemoryPool"/>'s blocks live. Either way each rent is charged to its owner cgroup.</summary>
public enum BlockMemory
{
    /// <summary>
    /// Native memory: up to 8 KiB blocks from an unaccounted slab cache of the block size, above it
    /// whole page blocks. Not array-backed: <c>MemoryMarshal.TryGetArray</c> on a block is false.
    /// </summary>
    Native,

    /// <summary>
    /// Pinned managed arrays (the pinned object heap, as Kestrel's own pool uses): array-backed, which
    /// ASP.NET Core's socket transport needs to send a response spanning several blocks in one call.
    /// Each block is charged its <see cref="SlabMemoryPool.BlockSize"/>.
    /// </summary>
    PinnedArray,
}
