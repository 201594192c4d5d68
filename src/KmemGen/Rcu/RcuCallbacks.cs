namespace KmemGen;

/// <summary>
/// The call_rcu queue. Callbacks run after a grace period, exactly once, either on a background
/// thread started on first use or in the next Synchronize() that takes them first. A callback that
/// throws is recorded (<see cref="Failures"/>) and does not stop the others: callbacks free things,
/// and one failure must not leak the rest.
/// </summary>
internal static class RcuCallbacks
{
    private static readonly object s_queueLock = new();
    // Held by the worker while it owns a batch, so Barrier() can wait for a batch in flight.
    private static readonly object s_batchLock = new();
    private static List<Action> s_pending = [];
    private static readonly AutoResetEvent s_wake = new(false);
    private static Thread? s_worker;
    private static int s_failures;

    /// <summary>Callbacks that threw.</summary>
    public static int Failures => Volatile.Read(ref s_failures);

    public static void Enqueue(Action callback)
    {
        lock (s_queueLock)
        {
            s_pending.Add(callback);
            if (s_worker is null)
            {
                s_worker = new Thread(WorkerLoop) { IsBackground = true, Name = "KmemGen RCU callbacks" };
                s_worker.Start();
            }
        }
        s_wake.Set();
    }

    public static List<Action>? TakePending()
    {
        lock (s_queueLock)
        {
            if (s_pending.Count == 0) return null;
            List<Action> taken = s_pending;
            s_pending = [];
            return taken;
        }
    }

    public static void Run(List<Action>? callbacks)
    {
        if (callbacks is null) return;
        foreach (Action callback in callbacks)
        {
            try { callback(); }
            catch (Exception) { Interlocked.Increment(ref s_failures); }
        }
    }

    public static void Barrier()
    {
        lock (s_batchLock)
        {
            // Holding the batch lock: no worker batch is in flight, so every earlier callback is
            // either done or still queued; Synchronize takes and runs the queued ones.
            Rcu.Synchronize();
        }
    }

    private static void WorkerLoop()
    {
        while (true)
        {
            s_wake.WaitOne();
            lock (s_batchLock)
            {
                List<Action>? batch = TakePending();
                if (batch is null) continue;
                Rcu.WaitForGracePeriod();
                Run(batch);
            }
        }
    }
}
