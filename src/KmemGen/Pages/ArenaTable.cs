using System.Runtime.CompilerServices;

namespace KmemGen.Internal;

/// <summary>
/// The set of live arenas, so a pointer of unknown origin can be checked before anything is read
/// through it (a foreign pointer masked to 8 MiB may not be mapped at all). Open addressing over
/// arena numbers (base &gt;&gt; ArenaShift); readers take a snapshot with no lock, writers (under the page
/// allocator lock) publish a new array: arenas come and go rarely, lookups happen on every slow free.
/// </summary>
internal static class ArenaTable
{
    private static nuint[] s_table = new nuint[64];
    private static int s_count;

    /// <summary>
    /// Whether an arena starts at <paramref name="arenaBase"/>. The first probe is inlined into the free
    /// paths (a live arena is nearly always found at its home slot); a collision goes on in
    /// <see cref="ContainsAfter"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains(nuint arenaBase)
    {
        nuint[] t = Volatile.Read(ref s_table);
        nuint key = arenaBase >> Arena.ArenaShift;
        int mask = t.Length - 1;
        int i = Slot(key, mask);
        nuint k = t[i];
        if (k == key) return true;
        return k != 0 && ContainsAfter(t, key, i, mask);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ContainsAfter(nuint[] t, nuint key, int i, int mask)
    {
        while (true)
        {
            i = (i + 1) & mask;
            nuint k = t[i];
            if (k == key) return true;
            if (k == 0) return false;
        }
    }

    /// <summary>Caller holds the page allocator lock.</summary>
    public static void Add(nuint arenaBase)
    {
        s_count++;
        Rebuild(arenaBase >> Arena.ArenaShift, 0);
    }

    /// <summary>Caller holds the page allocator lock.</summary>
    public static void Remove(nuint arenaBase)
    {
        s_count--;
        Rebuild(0, arenaBase >> Arena.ArenaShift);
    }

    private static void Rebuild(nuint add, nuint remove)
    {
        nuint[] old = s_table;
        int size = 64;
        while (size < s_count * 4) size <<= 1;
        var t = new nuint[size];
        foreach (nuint k in old)
            if (k != 0 && k != remove) Insert(t, k);
        if (add != 0) Insert(t, add);
        Volatile.Write(ref s_table, t);
    }

    private static void Insert(nuint[] t, nuint key)
    {
        int mask = t.Length - 1;
        int i = Slot(key, mask);
        while (t[i] != 0) i = (i + 1) & mask;
        t[i] = key;
    }

    private static int Slot(nuint key, int mask) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 40) & mask;
}
