using System.Collections.Concurrent;
using KmemGen.Internal;
using KmemGen.Tests.Allocator;
using Xunit.Abstractions;

namespace KmemGen.Tests.Memcg.Stress;

/// <summary>
/// The allocator's cross-thread shapes under accounting: objects freed by threads that did not allocate
/// them, at a high rate, while the cgroups that were charged are removed (their charges reparent), and a
/// producer/consumer pair. Each ends with every byte refunded, every cgroup freed and every slab back.
/// </summary>
[Collection(UnderflowCollection.Name)]
public unsafe class CrossThreadFreeStressTests(ITestOutputHelper output)
{
    private static long Ops => Environment.GetEnvironmentVariable("KMEMGEN_LONG_STRESS") == "1" ? 20_000_000 : 600_000;

    [Fact]
    public void Cross_thread_frees_while_cgroups_are_removed_end_with_nothing_charged_and_every_slab_back()
    {
        MemCgroup top = TestCgroups.Fresh("xfree");
        using var cache = SlabCache.Create("xfree-" + Guid.NewGuid().ToString("N"), 64, SlabFlags.Account);
        long underflows = PageCounter.Underflows;
        const int Producers = 2;
        long perProducer = Ops / Producers;
        var queues = Enumerable.Range(0, Producers).Select(_ => new ConcurrentQueue<(nint Ptr, bool Kmalloc)>()).ToArray();
        var leaves = new ConcurrentBag<MemCgroup>();
        long removed = 0, done = 0;
        var failures = new ConcurrentQueue<Exception>();

        void Producer(int self)
        {
            var rng = new Random(7 + self);
            for (long i = 0; i < perProducer;)
            {
                // Each burst charges a leaf of its own; the leaf is removed right after, while the
                // consumer is still freeing what the burst allocated: those frees refund the parent.
                MemCgroup leaf = top.CreateChild($"p{self}-{i}");
                leaves.Add(leaf);
                using (leaf.Enter())
                {
                    int burst = 256 + rng.Next(2048);
                    for (int j = 0; j < burst; j++, i++)
                    {
                        bool km = (j & 7) == 0;
                        void* p = km ? Kmalloc.Alloc((nuint)(16 + rng.Next(200)), Gfp.KernelAccount) : cache.Alloc();
                        queues[self].Enqueue(((nint)p, km));
                    }
                }
                leaf.Remove();
                Interlocked.Increment(ref removed);
            }
            TestCgroups.DrainThisThread();
        }

        void Consumer()
        {
            // Frees for both producers, from whatever cgroup this thread is in (the root).
            while (Volatile.Read(ref done) < Producers || queues.Any(q => !q.IsEmpty))
            {
                foreach (var q in queues)
                {
                    while (q.TryDequeue(out var item))
                    {
                        if (item.Kmalloc) Kmalloc.Free((void*)item.Ptr);
                        else cache.Free((void*)item.Ptr);
                    }
                }

                Thread.Yield();
            }
            TestCgroups.DrainThisThread();
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var threads = Enumerable.Range(0, Producers)
            .Select(t => new Thread(() => Guard(() => { try { Producer(t); } finally { Interlocked.Increment(ref done); } }, failures)))
            .Append(new Thread(() => Guard(Consumer, failures)))
            .ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
        output.WriteLine($"{Ops} objects freed across threads, {removed} cgroups removed with objects live, in {clock.Elapsed.TotalSeconds:F1} s");

        Assert.True(removed > 10);
        Assert.Equal(underflows, PageCounter.Underflows);
        Assert.Equal(0, cache.LiveObjects);
        Assert.Equal(0, top.Usage);
        Assert.Equal(new MemoryStat(0, 0, 0, 0, 0, 0), top.Stat);
        TestCgroups.RemoveTree(top);
        Rcu.Barrier();
        Assert.All(leaves, cg => Assert.True(cg.IsFreed, $"{cg.Path} was freed"));
        Assert.True(top.IsFreed);

        // The threads are gone: once their exit handling has run, Shrink gives every slab back.
        ThreadExits.Reap();
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
    }

    [Fact]
    public void Producer_consumer_refunds_the_producers_cgroup_and_gives_every_slab_back()
    {
        MemCgroup producerCg = TestCgroups.Fresh("pc-producer");
        MemCgroup consumerCg = TestCgroups.Fresh("pc-consumer");
        using var cache = SlabCache.Create("pc-" + Guid.NewGuid().ToString("N"), 256, SlabFlags.Account);
        var ring = new BlockingCollection<nint[]>(boundedCapacity: 64);
        var failures = new ConcurrentQueue<Exception>();
        long objects = Ops;
        const int Batch = 128;

        var producer = new Thread(() => Guard(() =>
        {
            using (producerCg.Enter())
            {
                for (long i = 0; i < objects / Batch; i++)
                {
                    var batch = new nint[Batch];
                    for (int j = 0; j < Batch; j++) batch[j] = (nint)cache.Alloc();
                    ring.Add(batch);
                }
            }
            ring.CompleteAdding();
            TestCgroups.DrainThisThread();
        }, failures));
        long peakSeen = 0;
        var consumer = new Thread(() => Guard(() =>
        {
            // The consumer runs in another cgroup: its frees refund the producer's, never its own.
            using (consumerCg.Enter())
            {
                foreach (nint[] batch in ring.GetConsumingEnumerable())
                {
                    foreach (nint p in batch) cache.Free((void*)p);
                    peakSeen = Math.Max(peakSeen, consumerCg.Usage);
                }
            }
            TestCgroups.DrainThisThread();
        }, failures));
        producer.Start();
        consumer.Start();
        producer.Join();
        consumer.Join();
        Assert.Empty(failures);

        Assert.Equal(0, cache.LiveObjects);
        Assert.Equal(0, peakSeen);
        Assert.Equal(0, producerCg.Usage);
        Assert.Equal(0, consumerCg.Usage);
        Assert.True(producerCg.Peak > 0);
        Assert.Equal(new MemoryStat(0, 0, 0, 0, 0, 0), producerCg.Stat);
        producerCg.Remove();
        consumerCg.Remove();

        ThreadExits.Reap();
        cache.Shrink();
        Assert.Equal(0, cache.SlabCount);
    }

    private static void Guard(Action work, ConcurrentQueue<Exception> failures)
    {
        try { work(); }
        catch (Exception e) { failures.Enqueue(e); }
    }
}
