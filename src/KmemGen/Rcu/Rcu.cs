using System.Runtime.CompilerServices;
using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// Read-copy-update, epoch based. A reader publishes the global epoch in its thread's record when it
/// enters its outermost section and clears it on leaving: two plain stores, no atomic, no fence.
/// <see cref="Synchronize"/> advances the epoch, then issues a process-wide memory barrier
/// (membarrier, as liburcu does) so every reader's publication is visible and every reader that
/// starts afterwards sees the writer's earlier stores; it then waits until no record shows an
/// epoch older than the new one. Readers therefore pay nothing for the writer's fence.
/// A grace period that cannot end says so (Rcu.Stall.cs): readers whose thread exited inside a section
/// are ended and reported, readers that stay too long are reported after <see cref="StallTimeout"/>.
/// </summary>
public static partial class Rcu
{
    private static long s_epoch = 1;
    private static readonly object s_gracePeriodLock = new();

    /// <summary>
    /// rcu_read_lock: enters a read-side section, ended by disposing the guard (sections nest). The guard
    /// is a ref struct, so the compiler forbids await while it is held. Do not block inside it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RcuReadGuard ReadLock()
    {
        RcuReader reader = ThreadContext.Current.RcuReader ?? RcuReader.RegisterCurrentThread();
        if (reader.Nesting++ == 0)
            Volatile.Write(ref reader.Epoch.Value, Volatile.Read(ref s_epoch));
        return new RcuReadGuard(reader);
    }

    /// <summary>rcu_read_lock_held: whether the calling thread is inside a read-side section.</summary>
    public static bool IsReadLockHeld => ThreadContext.Current.RcuReader is { Nesting: > 0 };

    /// <summary>
    /// synchronize_rcu: returns once every read-side section that had started when it was called has
    /// ended, then runs the <see cref="Call"/> callbacks queued before it was called. Calling it inside
    /// a read-side section would wait for itself: InvalidOperationException.
    /// </summary>
    [MightSleep]
    public static void Synchronize()
    {
        if (IsReadLockHeld)
            throw new InvalidOperationException("Rcu.Synchronize inside an Rcu.ReadLock() section would wait for itself forever.");
        ThrowIfInStallHandler(nameof(Synchronize));
        List<Action>? callbacks = RcuCallbacks.TakePending();
        WaitForGracePeriod();
        RcuCallbacks.Run(callbacks);
    }

    /// <summary>call_rcu: runs <paramref name="callback"/> after a grace period, on a background thread or in the next <see cref="Synchronize"/>.</summary>
    public static void Call(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        RcuCallbacks.Enqueue(callback);
    }

    /// <summary>rcu_barrier: returns once every callback queued before the call has run.</summary>
    [MightSleep]
    public static void Barrier()
    {
        if (IsReadLockHeld)
            throw new InvalidOperationException("Rcu.Barrier inside an Rcu.ReadLock() section would wait for itself forever.");
        ThrowIfInStallHandler(nameof(Barrier));
        RcuCallbacks.Barrier();
    }

    internal static void WaitForGracePeriod()
    {
        lock (s_gracePeriodLock)
        {
            // The increment is a full fence: the caller's updates (a replaced pointer) are visible before
            // the new epoch is. Readers that load the new epoch therefore see the updates.
            long target = Interlocked.Increment(ref s_epoch);
            // Make every reader's epoch store visible (and order their later loads after our stores);
            // a reader whose store was not yet visible here has not loaded anything we replaced.
            Interlocked.MemoryBarrierProcessWide();
            var wait = new GracePeriodWait(target, StallTimeout);
            foreach (RcuReader reader in RcuReader.Snapshot())
                wait.WaitFor(reader);
        }
    }
}

/// <summary>An RCU read-side section; a ref struct, so the compiler forbids await while it is held.</summary>
public ref struct RcuReadGuard : IDisposable
{
    private RcuReader? _reader;

    internal RcuReadGuard(RcuReader reader) => _reader = reader;

    /// <summary>rcu_read_unlock; a second Dispose of the same guard does nothing.</summary>
    public void Dispose()
    {
        RcuReader? reader = _reader;
        if (reader is null) return;
        _reader = null;
        if (--reader.Nesting == 0)
            Volatile.Write(ref reader.Epoch.Value, 0);
    }
}
