namespace KmemGen.Internal;

/// <summary>
/// Owner ids: 32-bit indexes into one global table of <see cref="ObjCgroup"/>s (id 0 means "no owner"),
/// which is what lets an object's owner slot be 4 bytes instead of an 8-byte pointer. Lookups are
/// lock-free reads of an array that is replaced (never modified in place for live ids) when it grows;
/// registration and id reuse take a lock (they happen once per cgroup).
/// </summary>
internal static class ObjCgroupTable
{
    private static readonly object s_lock = new();
    private static ObjCgroup?[] s_table = new ObjCgroup?[64];
    private static readonly Stack<uint> s_freeIds = new();
    private static uint s_nextId = 1;
    private static int s_live;

    /// <summary>ObjCgroups registered and not yet released and recycled.</summary>
    public static int LiveCount => Volatile.Read(ref s_live);

    /// <summary>The handle with this id. Valid only for ids stored by a live charge (the charge pins the handle).</summary>
    public static ObjCgroup Lookup(uint id) => Volatile.Read(ref s_table)[id]!;

    public static uint Register(ObjCgroup objcg)
    {
        lock (s_lock)
        {
            uint id = s_freeIds.Count > 0 ? s_freeIds.Pop() : s_nextId++;
            if (id > MemcgHooks.MaxOwnerId)
            {
                s_nextId = MemcgHooks.MaxOwnerId + 1;
                throw new InvalidOperationException(
                    $"out of memory cgroup ids: {MemcgHooks.MaxOwnerId} cgroup owners are live (ids are 16 bits, as the kernel's MEM_CGROUP_ID_MAX); remove cgroups, and free or reparent what they charged, to reuse theirs (ENOSPC)");
            }
            ObjCgroup?[] table = s_table;
            if (id >= table.Length)
            {
                Array.Resize(ref table, table.Length * 2);
                Volatile.Write(ref s_table, table);
            }
            table[id] = objcg;
            s_live++;
            return id;
        }
    }

    public static void Unregister(uint id)
    {
        lock (s_lock)
        {
            s_table[id] = null;
            s_freeIds.Push(id);
            s_live--;
        }
    }
}
