namespace KmemGen.Internal;

/// <summary>
/// Every thread's context, and the one place a thread's exit is handled: its slabs go back to their
/// caches (slub_cpu_dead), its page cache to the buddy allocator (page_alloc_cpu_dead) and its charge
/// stock to the page counters (memcg_hotplug_cpu_dead's drain_obj_stock).
/// </summary>
/// <remarks>
/// .NET has no thread-exit callback. Two things notice an exit: <see cref="ReapExited"/>, which finds
/// registered threads that are no longer alive and handles them at once (DrainAllStock calls it, so a
/// caller that joined its workers sees their stocks drained synchronously); and a finalizable sentinel
/// held only by the thread's own [ThreadStatic] slot, which becomes unreachable when the thread dies, so
/// its finalizer handles the exit of a thread nobody reaped. The thread is gone in both cases, so the
/// handler is the only one touching the context: no race. Whichever comes first wins; the other finds
/// the context already handled.
/// </remarks>
internal static class ThreadRegistry
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<ThreadContext, Thread> s_live = [];

    [ThreadStatic] private static ExitSentinel? s_sentinel;

    /// <summary>Threads registered and not yet handled as exited.</summary>
    public static int Count
    {
        get { lock (s_lock) return s_live.Count; }
    }

    /// <summary>Registers the calling thread's new context.</summary>
    public static void Register(ThreadContext context)
    {
        lock (s_lock) s_live.Add(context, Thread.CurrentThread);
        s_sentinel = new ExitSentinel(context);
    }

    /// <summary>Handles, now, the exit of every registered thread that is no longer alive.</summary>
    public static void ReapExited()
    {
        List<ThreadContext>? dead = null;
        lock (s_lock)
        {
            foreach ((ThreadContext context, Thread thread) in s_live)
                if (!thread.IsAlive) (dead ??= []).Add(context);
        }
        if (dead is null) return;
        foreach (ThreadContext context in dead) HandleExit(context);
    }

    /// <summary>Every context of a live thread (for draining requests that visit them).</summary>
    public static List<ThreadContext> Snapshot()
    {
        lock (s_lock) return [.. s_live.Keys];
    }

    private static void HandleExit(ThreadContext context)
    {
        lock (s_lock)
        {
            if (!s_live.Remove(context)) return;   // already handled
        }
        CpuSlab?[] cpus;
        lock (context.SlabCpusLock)
        {
            cpus = context.SlabCpus;
            context.SlabCpus = [];
        }
        foreach (CpuSlab? c in cpus)
            c?.Cache.RetireCpuSlab(c);
        PageCache.DrainAll(context);
        ObjStock.Drain(context);
    }

    /// <summary>Referenced only from its thread's [ThreadStatic] slot: finalized once the thread is gone.</summary>
    private sealed class ExitSentinel(ThreadContext context)
    {
        ~ExitSentinel() => HandleExit(context);
    }
}
