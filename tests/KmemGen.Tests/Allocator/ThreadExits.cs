using KmemGen.Tests.Memcg;

namespace KmemGen.Tests.Allocator;

/// <summary>Runs work on a thread of its own and waits until that thread's exit handling has run.</summary>
internal static class ThreadExits
{
    public static void RunAndReap(Action work)
    {
        TestCgroups.OnNewThread(work);
        Reap();
    }

    /// <summary>
    /// Runs the exit handling of every thread that has exited, as MemCgroup.DrainAllStock does, without
    /// asking every running thread to drain (tests in parallel assert on their own stocks).
    /// </summary>
    public static void Reap() => KmemGen.Internal.ThreadRegistry.ReapExited();
}
