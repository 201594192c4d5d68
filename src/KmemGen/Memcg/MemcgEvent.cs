namespace KmemGen.Internal;

/// <summary>memory.events entries, in the kernel's print order (enum memcg_memory_event).</summary>
internal enum MemcgEvent
{
    Low,
    High,
    Max,
    Oom,
    /// <summary>Always 0: KmemGen has no OOM killer (a refused charge fails the allocation instead).</summary>
    OomKill,
}

internal static class MemcgEvents
{
    public const int Count = 5;
    public static readonly string[] Names = ["low", "high", "max", "oom", "oom_kill"];
}
