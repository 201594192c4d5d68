using System.Runtime.CompilerServices;
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
    /// <summary>Head of a free block held in a thread's page cache (pcp list): neither free to the buddy allocator nor in use.</summary>
    Cached,
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
    /// <summary>Slab: which partial list holds it (<see cref="SlabList"/>).</summary>
    public byte OnPartial;
    /// <summary>Tail: distance in pages back to the head.</summary>
    public int HeadOffset;
    /// <summary>Slab: id of the owning cache (SlabRegistry).</summary>
    public int CacheId;
    /// <summary>
    /// Charged page block: owner id to refund on free (page->memcg_data). Slab: the id of the thread
    /// that has it frozen (<see cref="ThreadContext.Id"/>), 0 when no thread owns it.
    /// </summary>
    /// <remarks>Right after <see cref="CacheId"/>: the two read as one word (<see cref="SlabKeyOf"/>).</remarks>
    public uint Owner;
    /// <summary>
    /// Slab: objects neither on <see cref="Freelist"/> nor (while it is a thread's current slab) on that
    /// thread's list; objects pushed on <see cref="Remote"/> still count until they are folded in.
    /// Written by the owning thread, or under the cache lock while no thread owns the slab.
    /// Meta page 0: pages in use in the arena.
    /// </summary>
    public int InUse;
    public int Objects;
    /// <summary>Slab: free objects of the slab's local list (the owning thread's, or the cache lock's while on the node list).</summary>
    public void* Freelist;
    /// <summary>Slab: [frozen:1][partial:1][count:30][head offset + 1:32], the lock-free list other threads free into (SlabCache.Lists.cs).</summary>
    public long Remote;
    /// <summary>Slab: lazily installed owner vector, one 16-bit owner id per object (obj_exts).</summary>
    public ushort* OwnerVec;
    /// <summary>Buddy free list or cache partial list links.</summary>
    public PageDesc* Next;
    public PageDesc* Prev;

    /// <summary>
    /// <see cref="CacheId"/> and <see cref="Owner"/> as one 64-bit word (Owner in the high half on a
    /// little-endian machine): a slab owned by thread T of cache C has the key <see cref="SlabKey"/>(C, T),
    /// so the free path tests both with one load and one compare.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SlabKeyOf(PageDesc* s) => *(ulong*)&s->CacheId;

    /// <summary>The <see cref="SlabKeyOf"/> value of a slab of cache <paramref name="cacheId"/> that thread <paramref name="threadId"/> owns.</summary>
    public static ulong SlabKey(int cacheId, uint threadId) =>
        BitConverter.IsLittleEndian ? (ulong)threadId << 32 | (uint)cacheId : (ulong)(uint)cacheId << 32 | threadId;
}

/// <summary>Which list a slab is on (<see cref="PageDesc.OnPartial"/>).</summary>
internal static class SlabList
{
    public const byte None = 0;
    /// <summary>The cache's node partial list, under the cache lock.</summary>
    public const byte Node = 1;
    /// <summary>The owning thread's partial list (CpuSlab.PartialHead), touched only by that thread.</summary>
    public const byte Thread = 2;
    /// <summary>The owning thread's full list (CpuSlab.FullHead): frozen, no local free object; touched only by that thread.</summary>
    public const byte Full = 3;
}
