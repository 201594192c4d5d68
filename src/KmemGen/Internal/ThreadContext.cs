namespace KmemGen.Internal;

/// <summary>
/// Everything the hot paths keep per thread, behind one [ThreadStatic] read: a [ThreadStatic]
/// access is a helper call on .NET 10 (~3 ns), so alloc and free resolve this once and pass it down.
/// The allocator's per-thread slab state and the memcg charge stock are partial parts of this class
/// (ThreadContext.Slab.cs, ThreadContext.Memcg.cs).
/// </summary>
internal sealed partial class ThreadContext
{
    [ThreadStatic] private static ThreadContext? s_current;
    private static int s_lastId;

    /// <summary>
    /// This thread's id, unique for the life of the process (never reused): a slab records the id of the
    /// thread that owns it, and a thread recognises its own slabs by comparing with this.
    /// </summary>
    internal readonly uint Id = (uint)Interlocked.Increment(ref s_lastId);

    /// <summary>The calling thread's context, created on first use.</summary>
    public static ThreadContext Current
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get => s_current ?? CreateForThisThread();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ThreadContext CreateForThisThread()
    {
        var context = new ThreadContext();
        s_current = context;
        ThreadRegistry.Register(context);
        return context;
    }
}
