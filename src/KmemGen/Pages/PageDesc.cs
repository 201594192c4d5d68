using System.Runtime.InteropServices;

namespace KmemGen.Internal;

/// <summary>What a 4 KiB page currently is (the kernel's page type / PG_slab / PG_head bits).</summary>
internal enum PageKind : byte
{
    Unused = 0,
    /// <summary>Holds the arena's own page descriptors.</summary>
    Meta,
    /// <summary>Head of a free buddy block (Order says how big).</summary>
    Free,
    /// <summary>Part of an allocated block; HeadOffset leads to its head (compound_head).</summary>
    Tail,
    /// <summary>Head of a block handed out by <see cref="Pages.Alloc"/>.</summary>
    Pages,
    /// <summary>Head of a slab: the slab descriptor fields below are live (the kernel's struct slab overlay).</summary>
    Slab,
    /// <summary>Head of a kmalloc allocation too large for a size class (kmalloc_large).</summary>
    KmallocLarge,
}

/// <summary>
/// One per 4 KiB page, stored at the start of its arena, so any pointer finds its descriptor with a mask
/// and a shift (virt_to_page). The head page of a slab doubles as the slab descriptor, as struct slab
/// overlays struct page in the kernel. 64 bytes: one cache line.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal unsafe struct PageDesc
{
    public PageKind Kind;
    public byte Order;
    /// <summary>MemcgStatItem of a charged page block.</summary>
    public byte StatItem;
    /// <summary>Slab: 1 while on its cache's partial list.</summary>
    public byte OnPartial;
    /// <summary>Tail: distance in pages back to the head.</summary>
    public int HeadOffset;
    /// <summary>Slab: id of the owning cache (SlabRegistry).</summary>
    public int CacheId;
    /// <summary>Slab: objects in use while not frozen (under the cache lock). Meta page 0: pages in use in the arena.</summary>
    public int InUse;
    public int Objects;
    /// <summary>Charged page block: owner id to refund on free (page->memcg_data).</summary>
    public uint Owner;
    /// <summary>Slab: free objects while not frozen (under the cache lock).</summary>
    public void* Freelist;
    /// <summary>Slab: [frozen:1][count:31][head offset + 1:32], pushed lock-free by remote frees while frozen.</summary>
    public long Remote;
    /// <summary>Slab: lazily installed owner vector, one uint per object (obj_exts).</summary>
    public uint* OwnerVec;
    /// <summary>Buddy free list or cache partial list links.</summary>
    public PageDesc* Next;
    public PageDesc* Prev;
}
