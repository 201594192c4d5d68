namespace KmemGen.Internal;

/// <summary>
/// Everything the hot paths keep per thread, behind one [ThreadStatic] read: a [ThreadStatic]
/// access is a helper call on .NET 10 (~3 ns), so alloc and free resolve this once and pass it down.
/// The allocator's per-thread slab state and the memcg charge stock are partial parts of this class
/// (ThreadContext.Slab.cs, ThreadContext.Memcg.cs).
/// </summary>
internal sealed partial class ThreadContext
{
    #pragma warning disable IDE1006 // t_ marks a [ThreadStatic] field (dotnet/runtime's prefix); the naming rules cannot see attributes
    [ThreadStatic] private static ThreadContext? t_current;
    #pragma warning restore IDE1006

    /// <summary>The calling thread's context, created on first use.</summary>
    public static ThreadContext Current
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get => t_current ?? CreateForThisThread();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ThreadContext CreateForThisThread()
    {
        var context = new ThreadContext();
        t_current = context;
        return context;
    }
}
