using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using KmemGen.Buffers;
using static KmemGen.Tests.Memcg.TestCgroups;

namespace KmemGen.Tests.Buffers;

/// <summary>
/// SlabMemoryPool's contract: who is charged, who is refunded, what a limit, a double return and a
/// too-large request do. Usage includes the per-thread charge stock, so each test drains the threads
/// it charged on before comparing memory.current with whole blocks.
/// Alone, not beside the parallel classes: its limit writes and refused rents ask every thread's stock
/// to drain, which moves memory.peak under tests that compare it with memory.current.
/// </summary>
[Collection(MemoryPoolCollection.Name)]
public class SlabMemoryPoolTests
{
    private const int Block = SlabMemoryPool.DefaultBlockSize;

    [Fact]
    public void A_pool_with_an_owner_charges_it_one_block_per_rent_and_refunds_it_when_the_blocks_are_freed()
    {
        MemCgroup owner = Fresh("pool-owner");
        using var pool = new SlabMemoryPool(Block, owner);

        IMemoryOwner<byte>[] blocks = [pool.Rent(), pool.Rent(), pool.Rent()];
        DrainThisThread();

        Assert.Equal(3 * Block, owner.Usage);
        Assert.Equal(3, pool.BlocksRented);
        Assert.Equal(3 * Block, pool.BytesRented);
        Assert.All(blocks, b => Assert.Equal(Block, b.Memory.Length));

        foreach (IMemoryOwner<byte> b in blocks) b.Dispose();
        DrainThisThread();
        // Returned into the cache: still the owner's, idle.
        Assert.Equal(3 * Block, owner.Usage);
        Assert.Equal(3, pool.CachedBlocks);
        Assert.Equal(0, pool.BlocksRented);
        Assert.Equal(3, pool.Rents);
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void A_pool_with_an_owner_charges_it_whatever_cgroup_is_current()
    {
        MemCgroup owner = Fresh("pool-remote-owner");
        MemCgroup bystander = Fresh("pool-bystander");
        using var pool = new SlabMemoryPool(Block, owner);

        IMemoryOwner<byte> block;
        using (bystander.Enter()) block = pool.Rent();
        DrainThisThread();

        Assert.Equal(Block, owner.Usage);
        Assert.Equal(0, bystander.Usage);
        using (bystander.Enter()) block.Dispose();
        DrainThisThread();
        Assert.Equal(Block, owner.Usage);               // the idle cached block
        Assert.Equal(0, bystander.Usage);
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
        bystander.Remove();
    }

    [Fact]
    public void A_pool_without_an_owner_charges_the_current_cgroup_and_refunds_it_from_another_context()
    {
        MemCgroup renter = Fresh("pool-renter");
        MemCgroup returner = Fresh("pool-returner");
        using var pool = new SlabMemoryPool();

        IMemoryOwner<byte> block;
        using (renter.Enter()) block = pool.Rent();
        DrainThisThread();
        Assert.Equal(Block, renter.Usage);
        Assert.Null(pool.Owner);

        using (returner.Enter()) block.Dispose();
        DrainThisThread();
        Assert.Equal(0, renter.Usage);
        Assert.Equal(0, returner.Usage);
        renter.Remove();
        returner.Remove();
    }

    [Fact]
    public void At_the_root_nothing_is_charged_and_the_block_still_works()
    {
        using var pool = new SlabMemoryPool();
        using IMemoryOwner<byte> block = pool.Rent();

        block.Memory.Span.Fill(0x5a);
        Assert.Equal(0x5a, block.Memory.Span[Block - 1]);
        Assert.Equal(1, pool.BlocksRented);
    }

    [Fact]
    public void A_block_returned_on_another_thread_refunds_the_owner()
    {
        MemCgroup owner = Fresh("pool-cross-thread");
        // No cache: each return frees its block and refunds the owner on the returning thread.
        using var pool = new SlabMemoryPool(Block, owner, maxCachedBytes: 0);
        var blocks = new List<IMemoryOwner<byte>>();
        for (int i = 0; i < 8; i++) blocks.Add(pool.Rent());
        DrainThisThread();
        Assert.Equal(8 * Block, owner.Usage);

        OnNewThread(() =>
        {
            foreach (IMemoryOwner<byte> b in blocks) b.Dispose();
            DrainThisThread();
        });

        Assert.Equal(0, owner.Usage);
        Assert.Equal(0, pool.BlocksRented);
        owner.Remove();
    }

    [Fact]
    public void A_rent_over_memory_max_throws_the_limit_exception_and_keeps_nothing()
    {
        MemCgroup owner = Fresh("pool-limit");
        owner.WriteFile("memory.max", "16K");
        // A block size no other test uses: this pool's slab cache is its own, so its object count is exact.
        using var pool = new SlabMemoryPool(4000, owner);
        var blocks = new List<IMemoryOwner<byte>>();
        for (int i = 0; i < 4; i++) blocks.Add(pool.Rent());

        var e = Assert.Throws<MemCgroupLimitExceededException>(() => pool.Rent());

        Assert.Equal(owner.Path, e.CgroupPath);
        Assert.Contains("memory.max", e.Message);
        Assert.Equal(1, pool.Refusals);
        Assert.Equal(4, pool.BlocksRented);
        Assert.Equal(4, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        Assert.True(owner.Usage <= 16 * 1024);
        Assert.True(owner.Events.Max >= 1);

        foreach (IMemoryOwner<byte> b in blocks) b.Dispose();
        DrainThisThread();
        // The returned blocks wait in the pool for the next rents, still charged to the owner; its Dispose frees and refunds them.
        Assert.True(owner.Usage >= 4 * 4000, $"{owner.Usage}");
        Assert.Equal(4, pool.CachedBlocks);
        Assert.Equal(4, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void A_refused_rent_takes_no_cached_block()
    {
        // A pool charging the current cgroup: its cached block is charged to no one, so a rent needs a
        // new charge (a fixed owner's cached block is already charged to it, and is rented without one).
        MemCgroup owner = Fresh("pool-limit-cached");
        // Its own block size: the slab object count is this pool's alone.
        using var pool = new SlabMemoryPool(4003);
        IMemoryOwner<byte> kept;
        using (owner.Enter())
        {
            kept = pool.Rent();
            pool.Rent().Dispose();
        }
        Assert.Equal(1, pool.CachedBlocks);
        DrainThisThread();
        // Room for the block out (4003 bytes, one page charged), none for a second.
        owner.WriteFile("memory.max", "4K");

        using (owner.Enter()) Assert.Throws<MemCgroupLimitExceededException>(() => pool.Rent());

        Assert.Equal(1, pool.Refusals);
        Assert.Equal(1, pool.BlocksRented);
        Assert.Equal(1, pool.CachedBlocks);
        Assert.Equal(2, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        kept.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        Assert.Equal(2, pool.CachedBlocks);
        owner.Remove();
    }

    [Fact]
    public void A_second_return_of_a_block_throws_and_refunds_nothing_twice()
    {
        MemCgroup owner = Fresh("pool-double-return");
        using var pool = new SlabMemoryPool(Block, owner);
        using IMemoryOwner<byte> kept = pool.Rent();
        IMemoryOwner<byte> returned = pool.Rent();
        returned.Dispose();

        var e = Assert.Throws<InvalidOperationException>(returned.Dispose);

        Assert.Contains("returned twice", e.Message);
        Assert.Contains(owner.Path, e.Message);
        DrainThisThread();
        // One block out, one idle in the cache: the second return neither cached nor refunded it again.
        Assert.Equal(2 * Block, owner.Usage);
        Assert.Equal(1, pool.BlocksRented);
        Assert.Equal(1, pool.CachedBlocks);
    }

    [Fact]
    public void A_stale_second_return_after_the_block_was_rented_again_throws_and_leaves_the_new_rent_alone()
    {
        MemCgroup owner = Fresh("pool-stale-return");
        using var pool = new SlabMemoryPool(Block, owner);
        IMemoryOwner<byte> first = pool.Rent();
        nint firstBlock = AddressOf(first);
        first.Dispose();

        IMemoryOwner<byte> second = pool.Rent();
        Assert.Equal(firstBlock, AddressOf(second));   // the same block (and block object), reused
        Assert.NotSame(first, second);                  // under a new lease
        second.Memory.Span.Fill(0x2b);

        var e = Assert.Throws<InvalidOperationException>(first.Dispose);

        Assert.Contains("returned twice", e.Message);
        DrainThisThread();
        Assert.Equal(1, pool.BlocksRented);
        Assert.Equal(Block, owner.Usage);
        Assert.Equal(0, pool.CachedBlocks);
        // The second renter still has its block: a third rent gets another one.
        using (IMemoryOwner<byte> third = pool.Rent()) Assert.NotEqual(firstBlock, AddressOf(third));
        Assert.Equal(0x2b, second.Memory.Span[Block - 1]);
        second.Dispose();
        DrainThisThread();
        Assert.Equal(0, pool.BlocksRented);
        Assert.Equal(2, pool.CachedBlocks);
        Assert.Equal(2 * Block, owner.Usage);
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void A_stale_memory_of_a_returned_rent_is_refused_after_the_block_was_rented_again()
    {
        using var pool = new SlabMemoryPool();
        IMemoryOwner<byte> first = pool.Rent();
        Memory<byte> stale = first.Memory;
        nint block = AddressOf(first);
        first.Dispose();

        using IMemoryOwner<byte> second = pool.Rent();
        Assert.Equal(block, AddressOf(second));

        Assert.Throws<ObjectDisposedException>(() => stale.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => stale.Pin());
        Assert.Throws<ObjectDisposedException>(() => first.Memory);
        second.Memory.Span[0] = 1;
    }

    [Fact]
    public void A_reused_block_charges_its_new_renter_and_refunds_it_whoever_returns_it()
    {
        MemCgroup firstRenter = Fresh("pool-reuse-first");
        MemCgroup secondRenter = Fresh("pool-reuse-second");
        MemCgroup returner = Fresh("pool-reuse-returner");
        using var pool = new SlabMemoryPool();

        IMemoryOwner<byte> first;
        using (firstRenter.Enter()) first = pool.Rent();
        nint block = AddressOf(first);
        using (returner.Enter()) first.Dispose();
        IMemoryOwner<byte> second;
        using (secondRenter.Enter()) second = pool.Rent();
        Assert.Equal(block, AddressOf(second));
        DrainThisThread();
        Assert.Equal(0, firstRenter.Usage);
        Assert.Equal(Block, secondRenter.Usage);

        // The stale lease names the first renter; refusing it keeps the second renter's charge where it is.
        Assert.Throws<InvalidOperationException>(first.Dispose);
        DrainThisThread();
        Assert.Equal(Block, secondRenter.Usage);

        OnNewThread(() =>
        {
            using (returner.Enter()) second.Dispose();
            DrainThisThread();
        });
        Assert.Equal(0, firstRenter.Usage);
        Assert.Equal(0, secondRenter.Usage);
        Assert.Equal(0, returner.Usage);
        firstRenter.Remove();
        secondRenter.Remove();
        returner.Remove();
    }

    [Fact]
    public void Two_threads_disposing_one_rent_at_once_return_it_exactly_once()
    {
        MemCgroup owner = Fresh("pool-racing-return");
        using var pool = new SlabMemoryPool(Block, owner);
        int refused = 0;
        const int Rounds = 2000;
        IMemoryOwner<byte>? shared = null;
        using var barrier = new Barrier(2);
        void TryReturn()
        {
            try
            {
                shared!.Dispose();
            }
            catch (InvalidOperationException)
            {
                Interlocked.Increment(ref refused);
            }
        }
        // Each round: this thread rents, both threads pass the barrier and dispose the same lease at once.
        var other = new Thread(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                barrier.SignalAndWait();
                TryReturn();
                barrier.SignalAndWait();
            }
            DrainThisThread();
        });
        other.Start();
        for (int i = 0; i < Rounds; i++)
        {
            shared = pool.Rent();
            barrier.SignalAndWait();
            TryReturn();
            barrier.SignalAndWait();
        }
        other.Join();
        DrainThisThread();

        Assert.Equal(Rounds, refused);
        Assert.Equal(0, pool.BlocksRented);
        Assert.Equal(Rounds, pool.Rents);
        Assert.True(pool.CachedBlocks <= pool.MaxCachedBlocks, $"{pool.CachedBlocks} cached");
        Assert.Equal(pool.CachedBlocks * Block, owner.Usage);
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void Under_concurrent_rents_and_returns_no_block_serves_two_rents_at_once()
    {
        MemCgroup owner = Fresh("pool-concurrent-reuse");
        // A small cache: blocks are both reused and freed and allocated again while the threads run.
        using var pool = new SlabMemoryPool(Block, owner, maxCachedBytes: 4 * Block);
        const int Threads = 4;
        const int Iterations = 5000;
        int collisions = 0;
        var handOff = new ConcurrentQueue<IMemoryOwner<byte>>();
        var workers = Enumerable.Range(1, Threads).Select(id => new Thread(() =>
        {
            for (int i = 0; i < Iterations; i++)
            {
                IMemoryOwner<byte> block = pool.Rent();
                Span<byte> span = block.Memory.Span;
                span.Fill((byte)id);
                Thread.Yield();
                if (span.IndexOfAnyExcept((byte)id) >= 0) Interlocked.Increment(ref collisions);
                // Every other block is returned by whichever thread takes it from the hand-off queue.
                if ((i & 1) == 0) handOff.Enqueue(block);
                else block.Dispose();
                if (handOff.TryDequeue(out IMemoryOwner<byte>? other)) other.Dispose();
            }
            DrainThisThread();
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        while (handOff.TryDequeue(out IMemoryOwner<byte>? left)) left.Dispose();
        DrainThisThread();

        Assert.Equal(0, collisions);
        Assert.Equal(0, pool.BlocksRented);
        Assert.Equal(Threads * Iterations, pool.Rents);
        Assert.InRange(pool.CachedBlocks, 0, pool.MaxCachedBlocks);
        Assert.Equal(pool.CachedBlocks * Block, owner.Usage);
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void The_pool_keeps_at_most_its_cache_limit_of_returned_blocks_and_frees_the_rest()
    {
        // Own block sizes: each pool's slab object count is exact.
        using var pool = new SlabMemoryPool(4001, owner: null, maxCachedBytes: 2 * 4001);
        using var uncached = new SlabMemoryPool(4002, owner: null, maxCachedBytes: 0);
        Assert.Equal(2, pool.MaxCachedBlocks);
        Assert.Equal(0, uncached.MaxCachedBlocks);

        IMemoryOwner<byte>[] blocks = [.. Enumerable.Range(0, 5).Select(_ => pool.Rent())];
        IMemoryOwner<byte>[] others = [.. Enumerable.Range(0, 3).Select(_ => uncached.Rent())];
        Assert.Equal(5, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        foreach (IMemoryOwner<byte> b in blocks) b.Dispose();
        foreach (IMemoryOwner<byte> b in others) b.Dispose();

        Assert.Equal(2, pool.CachedBlocks);
        Assert.Equal(2, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        Assert.Equal(0, uncached.CachedBlocks);
        Assert.Equal(0, Metrics.SlabCacheCounts.ActiveObjects(uncached.Cache!));
        // Rents take the cached blocks first.
        IMemoryOwner<byte> again = pool.Rent();
        Assert.Equal(1, pool.CachedBlocks);
        Assert.Equal(2, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        again.Dispose();
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlabMemoryPool(Block, null, maxCachedBytes: -1));
    }

    [Fact]
    public void A_disposed_pool_frees_its_cached_blocks_and_each_block_returned_later()
    {
        var pool = new SlabMemoryPool(4004, owner: null);
        IMemoryOwner<byte> outstanding = pool.Rent();
        pool.Rent().Dispose();
        Assert.Equal(2, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));

        pool.Dispose();
        Assert.Equal(1, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        outstanding.Dispose();

        Assert.Equal(0, Metrics.SlabCacheCounts.ActiveObjects(pool.Cache!));
        Assert.Equal(0, pool.CachedBlocks);
        Assert.Throws<InvalidOperationException>(outstanding.Dispose);
    }

    private static unsafe nint AddressOf(IMemoryOwner<byte> lease)
    {
        using MemoryHandle pin = lease.Memory.Pin();
        return (nint)pin.Pointer;
    }

    [Fact]
    public void Pinned_array_blocks_are_array_backed_charged_by_their_size_and_reused()
    {
        MemCgroup owner = Fresh("pool-arrays");
        using var pool = new SlabMemoryPool(Block, owner, memory: BlockMemory.PinnedArray);
        Assert.Equal(BlockMemory.PinnedArray, pool.Memory);
        Assert.Null(pool.Cache);
        Assert.Equal(Block, pool.BlockChargeSize);

        IMemoryOwner<byte> first = pool.Rent();
        Memory<byte> stale = first.Memory;
        Assert.True(MemoryMarshal.TryGetArray<byte>(first.Memory, out ArraySegment<byte> segment));
        Assert.Equal(Block, segment.Count);
        Assert.Equal(0, segment.Offset);
        segment.Array![Block - 1] = 0x3c;
        Assert.Equal(0x3c, first.Memory.Span[Block - 1]);
        DrainThisThread();
        Assert.Equal(Block, owner.Usage);
        first.Dispose();

        using IMemoryOwner<byte> second = pool.Rent();
        Assert.True(MemoryMarshal.TryGetArray<byte>(second.Memory, out ArraySegment<byte> again));
        Assert.Same(segment.Array, again.Array);
        Assert.Throws<ObjectDisposedException>(() => MemoryMarshal.TryGetArray<byte>(stale, out _));
        Assert.Throws<InvalidOperationException>(first.Dispose);
        DrainThisThread();
        Assert.Equal(Block, owner.Usage);
    }

    [Fact]
    public void Native_blocks_are_not_array_backed()
    {
        using var pool = new SlabMemoryPool();
        using IMemoryOwner<byte> block = pool.Rent();

        Assert.Equal(BlockMemory.Native, pool.Memory);
        Assert.False(MemoryMarshal.TryGetArray<byte>(block.Memory, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlabMemoryPool(Block, null, memory: (BlockMemory)7));
    }

    [Fact]
    public void A_returned_block_refuses_access_to_its_memory()
    {
        using var pool = new SlabMemoryPool();
        IMemoryOwner<byte> block = pool.Rent();
        Memory<byte> memory = block.Memory;
        block.Dispose();

        Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => memory.Pin());
    }

    [Fact]
    public void MaxBufferSize_is_the_block_size_and_larger_requests_are_refused()
    {
        using var pool = new SlabMemoryPool(2048);

        Assert.Equal(2048, pool.MaxBufferSize);
        using (IMemoryOwner<byte> small = pool.Rent(100)) Assert.Equal(2048, small.Memory.Length);
        using (IMemoryOwner<byte> exact = pool.Rent(2048)) Assert.Equal(2048, exact.Memory.Length);
        var tooLarge = Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(2049));
        Assert.Contains("MaxBufferSize", tooLarge.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(-2));
        Assert.Equal(0, pool.BlocksRented);
    }

    [Fact]
    public void Blocks_above_8_KiB_are_page_blocks_charged_by_the_whole_block()
    {
        MemCgroup owner = Fresh("pool-pages");
        using var pool = new SlabMemoryPool(16 * 1024 + 1, owner);
        Assert.Null(pool.Cache);
        Assert.Equal(32 * 1024, pool.BlockChargeSize);

        IMemoryOwner<byte> block = pool.Rent();
        block.Memory.Span[^1] = 1;
        DrainThisThread();
        Assert.Equal(32 * 1024, owner.Usage);

        block.Dispose();
        DrainThisThread();
        Assert.Equal(32 * 1024, owner.Usage);           // idle in the cache
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4 * 1024 * 1024 + 1)]
    public void A_block_size_outside_1_to_4_MiB_is_refused(int blockSize)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SlabMemoryPool(blockSize));
        Assert.Contains("block size", e.Message);
    }

    [Fact]
    public void A_removed_owner_is_refused_at_construction()
    {
        MemCgroup owner = Fresh("pool-removed");
        owner.Remove();

        var e = Assert.Throws<InvalidOperationException>(() => new SlabMemoryPool(Block, owner));
        Assert.Contains("removed", e.Message);
    }

    [Fact]
    public void A_disposed_pool_refuses_rents_but_blocks_still_out_are_refunded_on_return()
    {
        MemCgroup owner = Fresh("pool-disposed");
        var pool = new SlabMemoryPool(Block, owner);
        IMemoryOwner<byte> outstanding = pool.Rent();
        pool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        outstanding.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }

    [Fact]
    public void A_pipe_over_the_pool_round_trips_its_data_and_gives_every_block_back()
    {
        MemCgroup owner = Fresh("pool-pipe");
        using var pool = new SlabMemoryPool(Block, owner);
        byte[] payload = new byte[100_000];
        new Random(7).NextBytes(payload);
        var received = new List<byte>();

        // Inline schedulers and no back-pressure: every pipe call completes synchronously on this one
        // thread (asserted), so draining it leaves memory.current exact.
        OnNewThread(() =>
        {
            var pipe = new Pipe(new PipeOptions(pool: pool, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
                pauseWriterThreshold: 0, useSynchronizationContext: false));
            ValueTask<FlushResult> write = pipe.Writer.WriteAsync(payload);
            Assert.True(write.IsCompletedSuccessfully);
            Assert.True(pool.BlocksRented >= payload.Length / Block, $"{pool.BlocksRented} blocks hold {payload.Length} bytes");
            pipe.Writer.Complete();

            while (true)
            {
                ValueTask<ReadResult> pending = pipe.Reader.ReadAsync();
                Assert.True(pending.IsCompletedSuccessfully);
                ReadResult read = pending.Result;
                foreach (ReadOnlyMemory<byte> segment in read.Buffer) received.AddRange(segment.ToArray());
                pipe.Reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted) break;
            }
            pipe.Reader.Complete();
            DrainThisThread();
        });

        Assert.Equal(payload, received.ToArray());
        Assert.Equal(0, pool.BlocksRented);
        Assert.True(pool.Rents >= payload.Length / Block);
        Assert.Equal(pool.CachedBlocks * Block, owner.Usage);
        pool.Dispose();
        DrainThisThread();
        Assert.Equal(0, owner.Usage);
        owner.Remove();
    }
}

/// <summary>The pool tests run by themselves, after the parallel classes (see <see cref="SlabMemoryPoolTests"/>).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryPoolCollection
{
    public const string Name = "memory pools";
}
