using System.Collections.Concurrent;

namespace KmemGen.Tests.Reclaim;

/// <summary>
/// A per-test reclaimable cache: an accounted, reclaimable slab cache of 4 KiB objects, a ListLru of its
/// cold objects and a registered LruShrinker that frees them. Tracks every live object so that a double
/// free or a leak is seen, and frees what is left on Dispose.
/// </summary>
internal sealed unsafe class ReclaimableCache : IDisposable
{
    public const int ObjectSize = 4096;

    private readonly ConcurrentDictionary<nint, byte> _live = new();
    private long _doubleFrees;
    private int _disposed;

    public ReclaimableCache(string scenario, SlabFlags extraFlags = SlabFlags.None)
    {
        string name = $"{scenario}-{Guid.NewGuid():N}";
        Cache = SlabCache.Create(name, ObjectSize, SlabFlags.Account | SlabFlags.Reclaimable | extraFlags);
        Unreclaimable = SlabCache.Create(name + "-pinned", ObjectSize, SlabFlags.Account);
        Lru = new ListLru(name);
        Shrinker = KmemGen.Shrinker.Register(new LruShrinker(name, Lru, Free));
    }

    public SlabCache Cache { get; }
    /// <summary>A second cache for memory reclaim cannot touch (the selftests' anonymous memory without swap).</summary>
    public SlabCache Unreclaimable { get; }
    public ListLru Lru { get; }
    public LruShrinker Shrinker { get; }
    public long DoubleFrees => Volatile.Read(ref _doubleFrees);
    public int Live => _live.Count;

    /// <summary>Allocates one object charged to the current cgroup and puts it on the LRU (a cold cache entry).</summary>
    public nint AllocCold()
    {
        void* p = Cache.Alloc(Gfp.Kernel);
        _live[(nint)p] = 0;
        Lru.Add(p);
        return (nint)p;
    }

    /// <summary>Allocates <paramref name="bytes"/> of cold objects in the current cgroup.</summary>
    public void FillCold(long bytes)
    {
        for (long done = 0; done < bytes; done += ObjectSize) AllocCold();
    }

    /// <summary>Allocates <paramref name="bytes"/> of objects reclaim cannot free; returns them for <see cref="FreePinned"/>.</summary>
    public List<nint> FillPinned(long bytes)
    {
        var pinned = new List<nint>();
        try
        {
            for (long done = 0; done < bytes; done += ObjectSize) pinned.Add((nint)Unreclaimable.Alloc(Gfp.Kernel));
        }
        catch (MemCgroupLimitExceededException)
        {
            FreePinned(pinned);
            throw;
        }
        return pinned;
    }

    public void FreePinned(List<nint> pinned)
    {
        foreach (nint p in pinned) Unreclaimable.Free((void*)p);
        pinned.Clear();
    }

    /// <summary>Takes an object back from the LRU (a cache hit) and frees it; false if reclaim took it first.</summary>
    public bool TryTakeAndFree(nint p)
    {
        if (!Lru.Remove((void*)p)) return false;
        Free(p);
        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Shrinker.Unregister();
        foreach (nint p in _live.Keys)
        {
            if (Lru.Remove((void*)p)) Free(p);
        }
        Lru.Dispose();
    }

    // The one place objects are freed: the shrinker and the test both come here, so a second free of
    // the same object is counted instead of reaching the allocator.
    private void Free(nint p)
    {
        if (!_live.TryRemove(p, out _))
        {
            Interlocked.Increment(ref _doubleFrees);
            return;
        }
        Cache.Free((void*)p);
    }
}

/// <summary>The selftests' helpers (tools/testing/selftests/cgroup/cgroup_util.c, test_memcontrol.c).</summary>
internal static class Selftest
{
    /// <summary>The selftests' MB(x), at half scale: each test's native memory stays under ~160 MiB.</summary>
    public const long MB = 512 * 1024;

    /// <summary>values_close: |a - b| &lt;= (a + b) / 100 * err.</summary>
    public static bool ValuesClose(long a, long b, int err) => Math.Abs(a - b) <= (a + b) / 100 * err;

    public static void AssertClose(long expected, long actual, int err, string what) =>
        Assert.True(ValuesClose(actual, expected, err),
            $"{what}: {actual} bytes ({actual / (double)MB:F1} MB units) is not within {err}% of {expected} ({expected / (double)MB:F1})");

    /// <summary>
    /// reclaim_until: writes memory.reclaim with current - goal until current is below goal or within 3%
    /// of it; a write that reported success without getting there is a failure.
    /// </summary>
    public static bool ReclaimUntil(MemCgroup cg, long goal)
    {
        bool reclaimed = false;
        long current = 0;
        for (int retries = 5; retries > 0; retries--)
        {
            current = cg.Usage;
            if (current < goal || ValuesClose(current, goal, 3)) break;
            if (reclaimed) return false;
            try
            {
                cg.WriteFile("memory.reclaim", (current - goal).ToString(System.Globalization.CultureInfo.InvariantCulture));
                reclaimed = true;
            }
            catch (MemoryReclaimIncompleteException)
            {
                // EAGAIN: try again.
            }
        }
        return current < goal || ValuesClose(current, goal, 3);
    }
}
