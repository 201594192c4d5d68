namespace KmemGen.Internal;

/// <summary>
/// Drains a thread's charge stock after the thread has exited. .NET has no thread-exit callback, but a
/// thread's [ThreadStatic] ThreadContext becomes unreachable when the thread dies; this sentinel is
/// referenced only from that context, so its finalizer runs then and still sees the context (a
/// finalizable object keeps what it references alive for its finalizer). The owner thread is gone,
/// so the finalizer thread is the only writer of the stock: no race.
/// </summary>
internal sealed class ThreadExitDrain(ThreadContext context)
{
    private readonly ThreadContext _context = context;

    ~ThreadExitDrain()
    {
        ObjStock.Drain(_context);
    }
}
