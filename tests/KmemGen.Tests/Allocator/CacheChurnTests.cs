using KmemGen.Internal;
using Xunit.Abstractions;

namespace KmemGen.Tests.Allocator;

/// <summary>
/// Per-tenant caches created and destroyed for the life of a process: ids are reused, and a destroyed
/// cache's per-thread state is taken out of every thread that used it, so memory stays bounded.
/// </summary>
public unsafe class CacheChurnTests(ITestOutputHelper output)
{
    [Fact]
    public void A_hundred_thousand_caches_used_on_three_threads_and_destroyed_leave_bounded_memory_and_arrays()
    {
        const int Total = 100_000, Batch = 50, Workers = 2;
        var batch = new SlabCache[Batch];
        var contexts = new ThreadContext[Workers + 1];
        var arrayLengths = new int[Workers + 1];   // each thread's per-cache array, read by that thread at the end
        var firstCaches = new List<WeakReference>();
        long memoryAfterWarmup = 0;
        int highestAfterWarmup = 0;
        using var barrier = new Barrier(Workers + 1);
        bool stop = false;

        void UseBatch()
        {
            foreach (SlabCache cache in batch)
            {
                void* a = cache.Alloc();
                void* b = cache.Alloc();
                cache.Free(a);
                cache.Free(b);
            }
        }

        var workers = Enumerable.Range(0, Workers).Select(w => new Thread(() =>
        {
            contexts[w + 1] = ThreadContext.Current;
            while (true)
            {
                barrier.SignalAndWait();   // the batch is created
                if (Volatile.Read(ref stop))
                {
                    arrayLengths[w + 1] = contexts[w + 1].SlabCpus.Length;
                    return;
                }
                UseBatch();
                barrier.SignalAndWait();   // the batch is used
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        contexts[0] = ThreadContext.Current;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        void CreateBatch(int round)
        {
            for (int i = 0; i < Batch; i++) batch[i] = SlabCache.Create($"tenant-{round}-{i}", 64 + i % 4 * 64);
            if (round == 0) firstCaches.AddRange(batch.Select(c => new WeakReference(c)));
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int round = 0; round < Total / Batch; round++)
        {
            CreateBatch(round);
            barrier.SignalAndWait();
            UseBatch();
            barrier.SignalAndWait();
            foreach (SlabCache cache in batch)
            {
                Assert.Equal(0, cache.LiveObjects);
                cache.Dispose();
                Assert.Equal(0, cache.SlabCount);
            }
            if (round == 10)
            {
                memoryAfterWarmup = GC.GetTotalMemory(forceFullCollection: true);
                highestAfterWarmup = SlabRegistry.HighestId;
            }
        }
        Volatile.Write(ref stop, true);
        arrayLengths[0] = contexts[0].SlabCpus.Length;
        barrier.SignalAndWait();
        workers.ForEach(t => t.Join());
        Array.Clear(batch);

        long memory = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"{Total} caches in {clock.Elapsed.TotalSeconds:F1} s; managed heap {memoryAfterWarmup / 1024} KiB after warm-up, {memory / 1024} KiB at the end; " +
            $"highest cache id {highestAfterWarmup} after warm-up, {SlabRegistry.HighestId} at the end; per-thread arrays {string.Join(", ", arrayLengths)} entries");
        // Ids are reused: the id space grows only with caches other tests keep alive meanwhile.
        Assert.InRange(SlabRegistry.HighestId, Batch, highestAfterWarmup + 2_000);
        // No thread's array grew with every cache ever created (it was at most the highest id).
        Assert.All(arrayLengths, n => Assert.InRange(n, 1, 4 * (highestAfterWarmup + 2_000)));
        // A destroyed cache is not kept alive by the threads that used it.
        Assert.All(firstCaches, w => Assert.False(w.IsAlive));
        Assert.InRange(memory - memoryAfterWarmup, long.MinValue, 16L << 20);
    }
}
