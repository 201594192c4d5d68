using System.Collections.Concurrent;

namespace KmemGen.Internal;

/// <summary>
/// The thread that runs reclaim for charges (the role of the kernel's direct reclaim context plus
/// memcg high_work). A charge cannot run shrinkers itself: it is inside the allocator, with its stock
/// half refilled, and the shrinkers' frees would re-enter both. So it hands the reclaim to this thread
/// and waits (blocking callers) or does not wait (callers that must not block: the request is queued,
/// as the kernel schedules high_work for charges outside task context).
/// </summary>
/// <remarks>
/// One thread, requests in order. It is a background thread created on first use and kept for the
/// process's life. Charges made on it (by a shrinker that allocates) never reclaim: the kernel's
/// PF_MEMALLOC, which stops reclaim from recursing.
/// </remarks>
internal static class ReclaimWorker
{
    private sealed record Request(Func<long> Work, TaskCompletionSource<long>? Done);

    private static readonly BlockingCollection<Request> s_queue = [];
    private static readonly Lazy<Thread> s_thread = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    [ThreadStatic] private static bool s_isWorker;
    private static long s_queued;

    /// <summary>True on the reclaim thread (PF_MEMALLOC).</summary>
    public static bool IsCurrentThread => s_isWorker;

    /// <summary>Requests queued without a waiter (charges that could not block), for diagnostics and tests.</summary>
    public static long Queued => Volatile.Read(ref s_queued);

    /// <summary>Runs <paramref name="reclaim"/> (which returns bytes reclaimed) on the reclaim thread; 0 at once on the reclaim thread itself.</summary>
    public static Task<long> RunAsync(Func<long> reclaim)
    {
        if (s_isWorker) return Task.FromResult(0L);
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Request(reclaim, done));
        return done.Task;
    }

    /// <summary>Runs <paramref name="reclaim"/> on the reclaim thread and blocks until it is done; 0 on the reclaim thread itself.</summary>
    public static long Run(Func<long> reclaim) =>
        s_isWorker ? 0 : RunAsync(reclaim).GetAwaiter().GetResult();

    /// <summary>Queues <paramref name="reclaim"/> with nobody waiting (memcg high_work).</summary>
    public static void Queue(Func<long> reclaim)
    {
        if (s_isWorker) return;
        Interlocked.Increment(ref s_queued);
        Enqueue(new Request(reclaim, null));
    }

    /// <summary>try_to_free_mem_cgroup_pages aimed at <paramref name="target"/>, or at its nearest online ancestor once it was removed.</summary>
    public static long TryToFreeOnline(MemCgroup target, long bytes) => TryToFreeOnline(target, bytes, out _);

    /// <inheritdoc cref="TryToFreeOnline(MemCgroup, long)"/>
    public static long TryToFreeOnline(MemCgroup target, long bytes, out bool sawFreeable)
    {
        while (!target.IsOnline) target = target.Parent!;
        return ReclaimDriver.TryToFree(target, bytes, out sawFreeable);
    }

    private static void Enqueue(Request request)
    {
        _ = s_thread.Value;
        s_queue.Add(request);
    }

    private static Thread Start()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "KmemGen reclaim" };
        thread.Start();
        return thread;
    }

    private static void Run()
    {
        s_isWorker = true;
        foreach (Request request in s_queue.GetConsumingEnumerable())
        {
            try
            {
                request.Done?.TrySetResult(request.Work());
            }
            catch (Exception e)
            {
                // Reclaim itself failed (not a shrinker: those are contained by the driver). The waiter
                // sees it; a queued request has no waiter, and the thread must live on for the next one.
                request.Done?.TrySetException(e);
            }
        }
    }
}
