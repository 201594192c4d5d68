using System.Buffers;
using KmemGen.Buffers;
using static KmemGen.Tests.Memcg.TestCgroups;

namespace KmemGen.Tests.Buffers;

/// <summary>
/// A fixed owner's idle cached blocks: charged to it, freed by its reclaim (the pool's shrinker) before a
/// rent is refused, by a memory.reclaim write and by the pool's Dispose. The current-cgroup mode keeps
/// its cached blocks uncharged and out of reclaim. In the pool collection: limit writes drain every stock.
/// </summary>
[Collection(MemoryPoolCollection.Name)]
public class SlabMemoryPoolReclaimTests
{
    private const int Block = SlabMemoryPool.DefaultBlockSize;

    private static IMemoryOwner<byte>[] RentMany(SlabMemoryPool pool, int count) => [.. Enumerable.Range(0, count).Select(_ => pool.Rent())];

    private static void ReturnAll(IEnumerable<IMemoryOwner<byte>> blocks)
    {
        foreach (IMemoryOwner<byte> b in blocks) b.Dispose();
    }

    [Fact]
    public void Idle_cached_blocks_stay_charged_to_the_owner_and_a_rent_from_the_cache_charges_nothing_new()
    {
        MemCgroup owner = Fresh("pool-idle-charged");
        // Its own block size: the slab object count is this pool's alone.
        using var pool = new SlabMemoryPool(4005, owner);
        ReturnAll(RentMany(pool, 4));
        DrainThisThread();
        long fourBlocks = owner.Usage;
        Assert.True(fourBlocks >= 4 * 4005, $"{fourBlocks}");
        Assert.Equal(4, pool.CachedBlocks);
        Assert.Equal(0, pool.BlocksRented);

        IMemoryOwner<byte>[] again = RentMany(pool, 3);
        DrainThisThread();
        Assert.Equal(fourBlocks, owner.Usage);
        Assert.Equal(1, pool.CachedBlocks);
        Assert.Equal(4, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        ReturnAll(again);
        DrainThisThread();
        Assert.Equal(fourBlocks, owner.Usage);
        Assert.Equal(4, pool.CachedBlocks);
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void A_rent_at_memory_max_succeeds_while_idle_cached_blocks_of_the_owner_can_be_reclaimed()
    {
        MemCgroup owner = Fresh("pool-reclaim-at-max");
        using var idle = new SlabMemoryPool(Block, owner);
        using var busy = new SlabMemoryPool(Block, owner);
        ReturnAll(RentMany(idle, 8));
        DrainThisThread();
        Assert.Equal(8 * Block, owner.Usage);
        owner.WriteFile("memory.max", (16 * Block).ToString());

        // The busy pool needs the whole limit; half of it is idle in the other pool and is reclaimed on the way.
        var held = new List<IMemoryOwner<byte>>();
        for (int i = 0; i < 16; i++) held.Add(busy.Rent());

        Assert.Equal(0, busy.Refusals);
        Assert.Equal(0, idle.CachedBlocks);
        Assert.True(idle.Shrinker!.Failures == 0, $"{idle.Shrinker.LastFailure}");
        DrainThisThread();
        Assert.Equal(16 * Block, owner.Usage);
        // Nothing idle is left: the limit now refuses.
        Assert.Throws<MemCgroupLimitExceededException>(() => busy.Rent());
        Assert.Equal(1, busy.Refusals);
        ReturnAll(held);
        busy.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void Writing_memory_reclaim_on_the_owner_frees_idle_cached_blocks_and_lowers_its_usage()
    {
        MemCgroup owner = Fresh("pool-memory-reclaim");
        using var pool = new SlabMemoryPool(Block, owner);
        IMemoryOwner<byte> kept = pool.Rent();
        ReturnAll(RentMany(pool, 16));
        DrainThisThread();
        Assert.Equal(17 * Block, owner.Usage);
        Assert.Equal(16, pool.CachedBlocks);

        owner.WriteFile("memory.reclaim", "32K");

        DrainThisThread();
        Assert.True(pool.CachedBlocks <= 8, $"{pool.CachedBlocks} blocks still cached");
        Assert.Equal((1 + pool.CachedBlocks) * Block, owner.Usage);
        // The rented block is not the shrinker's to free.
        Assert.Equal(1, pool.BlocksRented);
        kept.Memory.Span.Fill(1);
        kept.Dispose();
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void Going_over_memory_high_reclaims_idle_cached_blocks()
    {
        MemCgroup owner = Fresh("pool-reclaim-high");
        using var idle = new SlabMemoryPool(Block, owner);
        using var busy = new SlabMemoryPool(Block, owner);
        ReturnAll(RentMany(idle, 64));
        DrainThisThread();
        Assert.Equal(64 * Block, owner.Usage);
        owner.WriteFile("memory.high", (64 * Block).ToString());

        // A dedicated thread: its charges over memory.high reclaim (and may sleep) in the charge itself.
        var held = new List<IMemoryOwner<byte>>();
        OnNewThread(() =>
        {
            for (int i = 0; i < 32; i++) held.Add(busy.Rent());
            DrainThisThread();
        });

        Assert.True(idle.CachedBlocks < 64, $"{idle.CachedBlocks} idle blocks still cached");
        Assert.True(owner.Events.High >= 1);
        Assert.Equal(0, busy.Refusals);
        ReturnAll(held);
        busy.Dispose();
        idle.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void The_shrinker_counts_idle_blocks_only_for_the_owner()
    {
        MemCgroup owner = Fresh("pool-shrinker-owner");
        MemCgroup other = Fresh("pool-shrinker-other");
        using var pool = new SlabMemoryPool(Block, owner);
        using var othersPool = new SlabMemoryPool(Block, other);
        ReturnAll(RentMany(pool, 5));
        // The other cgroup has usage (so reclaim visits it and asks every shrinker), none of it freeable by this pool.
        IMemoryOwner<byte> othersBlock = othersPool.Rent();
        DrainThisThread();

        // Reclaiming another cgroup leaves the owner's idle blocks alone.
        Assert.False(other.TryReclaim(2 * Block, out long reclaimed));
        Assert.Equal(0, reclaimed);
        Assert.Equal(5, pool.CachedBlocks);
        othersBlock.Dispose();
        Assert.True(owner.TryReclaim(5 * Block, out reclaimed));
        Assert.Equal(0, pool.CachedBlocks);
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        othersPool.Dispose();
        owner.Remove();
        other.Remove();
    }

    [Fact]
    public void Dispose_frees_the_idle_blocks_leaves_the_owner_at_zero_and_unregisters_the_shrinker()
    {
        MemCgroup owner = Fresh("pool-dispose-shrinker");
        var pool = new SlabMemoryPool(4006, owner);
        Shrinker shrinker = pool.Shrinker!;
        Assert.True(shrinker.IsRegistered);
        IMemoryOwner<byte> outstanding = pool.Rent();
        ReturnAll(RentMany(pool, 3));
        Assert.Equal(4, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));

        pool.Dispose();

        Assert.False(shrinker.IsRegistered);
        Assert.Equal(1, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        outstanding.Dispose();
        DrainThisThread();
        Assert.Equal(0, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        Assert.Equal(0, owner.Usage);
        Assert.Equal(0, pool.CachedBlocks);
        owner.Remove();
    }

    [Fact]
    public void After_the_owner_is_removed_its_parent_reclaims_the_idle_blocks()
    {
        MemCgroup parent = Fresh("pool-reparent");
        MemCgroup owner = parent.CreateChild("owner");
        using var pool = new SlabMemoryPool(Block, owner);
        ReturnAll(RentMany(pool, 6));
        DrainThisThread();
        owner.Remove();
        Assert.Equal(6 * Block, parent.Usage);

        Assert.True(parent.TryReclaim(6 * Block, out _));

        DrainThisThread();
        Assert.Equal(0, pool.CachedBlocks);
        Assert.Equal(0, parent.Usage);
        parent.Remove();
    }

    [Fact]
    public void A_pool_of_the_current_cgroup_refunds_at_return_and_keeps_its_idle_blocks_out_of_reclaim()
    {
        MemCgroup renter = Fresh("pool-current-idle");
        using var pool = new SlabMemoryPool();
        Assert.Null(pool.Shrinker);
        using (renter.Enter()) ReturnAll(RentMany(pool, 3));
        DrainThisThread();

        Assert.Equal(0, renter.Usage);
        Assert.Equal(3, pool.CachedBlocks);
        Assert.False(renter.TryReclaim(Block, out _));
        Assert.Equal(3, pool.CachedBlocks);
        renter.Remove();
    }

    [Fact]
    public void A_pool_without_a_cache_or_owned_by_the_root_registers_no_shrinker()
    {
        MemCgroup owner = Fresh("pool-no-cache");
        using var uncached = new SlabMemoryPool(Block, owner, maxCachedBytes: 0);
        using var rooted = new SlabMemoryPool(Block, MemCgroup.Root);

        Assert.Null(uncached.Shrinker);
        Assert.Null(rooted.Shrinker);
        ReturnAll(RentMany(uncached, 2));
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }
}
