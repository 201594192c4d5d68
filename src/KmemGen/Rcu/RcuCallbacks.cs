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
    // Batches taken off the queue (by the worker or a Synchronize caller) whose callbacks have not
    // all run yet; Barrier() waits for it to reach zero. Changed under s_queueLock when taken.
    private static int s_inFlight;
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
            s_inFlight++;
            return taken;
        }
    }

    public static void Run(List<Action>? callbacks)
    {
        if (callbacks is null) return;
        try
        {
            foreach (Action callback in callbacks)
            {
                try { callback(); }
                catch (Exception) { Interlocked.Increment(ref s_failures); }
            }
        }
        finally
        {
            lock (s_queueLock) s_inFlight--;
        }
    }

    public static void Barrier()
    {
        // Every earlier callback is either still queued (Synchronize takes and runs it) or in a batch
        // someone else took; wait for those batches too.
        Rcu.Synchronize();
        var spin = new SpinWait();
        while (true)
        {
            lock (s_queueLock)
            {
                if (s_inFlight == 0) return;
            }
            spin.SpinOnce();
        }
    }

    private static void WorkerLoop()
    {
        while (true)
        {
            s_wake.WaitOne();
            List<Action>? batch = TakePending();
            if (batch is null) continue;
            Rcu.WaitForGracePeriod();
            Run(batch);
        }
    }
}
