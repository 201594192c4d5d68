namespace KmemGen.Buffers;

/// <summary>
/// The shrinker of one fixed-owner <see cref="SlabMemoryPool"/>: its idle cached blocks stay charged to the
/// owner (as page cache stays charged to its memcg), so reclaim of that owner (memory.max before a charge
/// fails, memory.high, a memory.reclaim write) frees them and refunds the owner. Registered by the pool's
/// constructor, unregistered by its Dispose. Lock-free: the cache is a ConcurrentQueue.
/// </summary>
internal sealed class SlabMemoryPoolShrinker : Shrinker
{
    private readonly SlabMemoryPool _pool;

    internal SlabMemoryPoolShrinker(SlabMemoryPool pool)
        : base($"memory-pool:{pool.Name}")
    {
        _pool = pool;
    }

    /// <summary>The pool's idle cached blocks when <see cref="ShrinkControl.Cgroup"/> is the cgroup they are charged to, else 0.</summary>
    public override long CountObjects(ShrinkControl sc) => _pool.IsChargedTo(sc.Cgroup) ? _pool.CachedBlocks : 0;

    /// <summary>Frees up to <see cref="ShrinkControl.NrToScan"/> idle blocks, uncharging each; returns how many.</summary>
    public override long ScanObjects(ShrinkControl sc)
    {
        if (!_pool.IsChargedTo(sc.Cgroup))
        {
            sc.NrScanned = 0;
            return 0;
        }

        long freed = _pool.FreeCachedBlocks(sc.NrToScan);
        // Fewer than asked: the cache ran out; only those were looked at.
        sc.NrScanned = freed;
        return freed;
    }
}
