namespace KmemGen.Internal;

/// <summary>
/// The registered shrinkers (shrinker_list). Readers take a snapshot array without a lock; register and
/// unregister replace the array under a lock (copy on write), which is rare.
/// </summary>
internal static class ShrinkerRegistry
{
    private static readonly object s_lock = new();
    private static Shrinker[] s_shrinkers = [];

    public static Shrinker[] Snapshot => Volatile.Read(ref s_shrinkers);

    public static void Add(Shrinker shrinker)
    {
        lock (s_lock) Volatile.Write(ref s_shrinkers, [.. s_shrinkers, shrinker]);
    }

    public static void Remove(Shrinker shrinker)
    {
        lock (s_lock) Volatile.Write(ref s_shrinkers, s_shrinkers.Where(s => !ReferenceEquals(s, shrinker)).ToArray());
    }
}
