using KmemGen.Internal;

namespace KmemGen;

// mem_cgroup_from_slab_obj: the cgroup an accounted object's charge went to, read from the owner slot
// its slab recorded at allocation. ListLru files an object under this owner, as list_lru_add_obj does,
// whichever flow adds it.
public sealed unsafe partial class SlabCache
{
    /// <summary>
    /// The objcg recorded for <paramref name="obj"/> when it is an object of an accounted slab (kmalloc
    /// included) that was charged; null for any other pointer (unaccounted, uncharged, not a slab object).
    /// The answer is a snapshot: the object may be freed the moment after.
    /// </summary>
    internal static ObjCgroup? RecordedOwnerOf(void* obj)
    {
        if (obj == null) return null;
        PageDesc* s = PageAllocator.LookupHead(obj);
        if (s == null || s->Kind != PageKind.Slab || SlabRegistry.Get(s->CacheId) is not { } cache) return null;
        ushort* vec = s->OwnerVec;
        if (vec == null) return null;
        if (!cache.TrySlotIndex(s, obj, out int index)) return null;
        uint owner = Volatile.Read(ref vec[index]);
        // The object holds its objcg's reference while it is charged; a free racing this read may clear the slot.
        return owner is MemcgHooks.NoOwner or MemcgHooks.StaleOwner ? null : ObjCgroupTable.Lookup(owner);
    }
}
