using System.Runtime.CompilerServices;

namespace KmemGen.Internal;

/// <summary>
/// The contract between the allocator (Slab/, Kmalloc, pages) and memory cgroups (Memcg/):
/// the kernel's memcg_slab_post_alloc_hook / memcg_slab_free_hook. The allocator calls these;
/// Memcg/ implements them. Owner ids are 16-bit indexes of <see cref="ObjCgroup"/>s (the kernel's
/// memcg id space), which is what an object's owner slot stores (2 bytes per object).
/// </summary>
/// <remarks>
/// Fast path: the owner comes from the thread's cached current->objcg (no AsyncLocal read) and the
/// bytes from the thread's stock (no shared write, no atomic). "One reference per object" is not a
/// per-object atomic: each object's bytes are part of the pages that pin its ObjCgroup (see ObjCgroup).
/// </remarks>
internal static class MemcgHooks
{
    /// <summary>No owner: the object is not charged (root cgroup, or unaccounted).</summary>
    public const uint NoOwner = 0;
    /// <summary>The charge failed; the caller frees what it took and fails the allocation.</summary>
    public const uint ChargeFailed = uint.MaxValue;
    /// <summary>The thread's cached current owner was released and must be resolved again; never an owner id.</summary>
    public const uint StaleOwner = ushort.MaxValue - 1;
    /// <summary>
    /// The largest owner id: ids are 16 bits, as the kernel's memcg ids (MEM_CGROUP_ID_MAX), so an owner
    /// slot of a slab's owner vector is 2 bytes. Ids of released handles are reused.
    /// </summary>
    public const uint MaxOwnerId = StaleOwner - 1;

    /// <summary>The owner id charges from this thread go to (current-&gt;objcg): NoOwner at the root, StaleOwner when it must be resolved again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint CurrentOwner(ThreadContext tc) => tc.MemcgObjcgId;

    /// <summary>Caches <paramref name="objcg"/> (null at the root) as the thread's current owner.</summary>
    public static void SetCurrentOwner(ThreadContext tc, ObjCgroup? objcg)
    {
        tc.MemcgObjcg = objcg;
        // A released handle may share its id with the live handle the stock caches: then the id test
        // must miss, so that the charge takes the slow path and resolves the owner again.
        tc.MemcgObjcgId = objcg is null ? NoOwner
            : objcg.Id == tc.StockObjcgId && objcg != tc.StockObjcg ? StaleOwner : objcg.Id;
    }

    /// <summary>
    /// Charges <paramref name="count"/> objects of <paramref name="bytesPerObject"/> bytes to the
    /// current cgroup's ObjCgroup and returns its owner id, <see cref="NoOwner"/> when there is nothing
    /// to charge, or <see cref="ChargeFailed"/> (the exception comes from <see cref="ChargeFailure"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ChargeObjects(ThreadContext tc, int bytesPerObject, int count, MemcgStatItem item, Gfp gfp)
    {
        uint owner = tc.MemcgObjcgId;
        if (owner == NoOwner) return NoOwner;
        long size = (long)bytesPerObject * count;
        return ObjStock.TryConsume(tc, owner, size, item) ? owner : ChargeObjectsSlow(tc, size, item, gfp);
    }

    /// <summary>Refunds one object's charge to the owner recorded for it, whichever thread frees it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UnchargeObject(ThreadContext tc, uint owner, int bytes, MemcgStatItem item)
    {
        if (owner == NoOwner || ObjStock.TryRefill(tc, owner, bytes, item)) return;
        UnchargeObjectSlow(tc, owner, bytes, item);
    }

    /// <summary>
    /// The allocator's inlined charge: <see cref="ObjStock.TryConsume"/> for <paramref name="owner"/>
    /// (the thread's <see cref="CurrentOwner"/>, not NoOwner). On a miss nothing changed and the caller
    /// takes its slow path, which calls <see cref="ChargeObjects"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryConsumeStock(ThreadContext tc, uint owner, long size, MemcgStatItem item) =>
        ObjStock.TryConsume(tc, owner, size, item);

    /// <summary>
    /// The allocator's inlined refund: <see cref="ObjStock.TryRefill"/> for the object's recorded
    /// <paramref name="owner"/> (not NoOwner). On a miss nothing changed and the caller calls
    /// <see cref="UnchargeObjectMissed"/> from its slow path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRefillStock(ThreadContext tc, uint owner, long size, MemcgStatItem item) =>
        ObjStock.TryRefill(tc, owner, size, item);

    /// <summary>The exception for the charge that just failed on this thread (names cgroup, limit, usage, request).</summary>
    public static OutOfMemoryException ChargeFailure(ThreadContext tc, long requestBytes)
    {
        ChargeFailureInfo failure = tc.LastChargeFailure;
        tc.LastChargeFailure = default;
        if (failure.Cgroup is null)
            return new OutOfMemoryException($"memory cgroup charge of {requestBytes} bytes failed");
        return new MemCgroupLimitExceededException(failure.Cgroup.Path, failure.Limit, failure.Usage, requestBytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint ChargeObjectsSlow(ThreadContext tc, long size, MemcgStatItem item, Gfp gfp)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "An object charge needs a positive size and count.");
        while (true)
        {
            ObjCgroup? objcg = tc.MemcgObjcg;
            if (objcg is null) return NoOwner;
            switch (ObjStock.ChargeSlow(tc, objcg, size, item, gfp))
            {
                case ChargeResult.Charged:
                    return objcg.Id;
                case ChargeResult.Failed:
                    return ChargeFailed;
                default:
                    // The cached handle was released (its cgroup was removed and emptied): resolve
                    // current_obj_cgroup again, which walks to the nearest ancestor still having one.
                    SetCurrentOwner(tc, MemCgroup.ResolveObjcg(tc.MemcgCurrent));
                    break;
            }
        }
    }

    /// <summary>
    /// The refund of an object whose owner (not NoOwner) <see cref="TryRefillStock"/> just turned down:
    /// straight to the stock's general path, without testing the hit again.
    /// </summary>
    public static void UnchargeObjectMissed(ThreadContext tc, uint owner, int bytes, MemcgStatItem item) =>
        ObjStock.UnchargeSlow(tc, ObjCgroupTable.Lookup(owner), bytes, item);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UnchargeObjectSlow(ThreadContext tc, uint owner, int bytes, MemcgStatItem item) =>
        UnchargeObjectMissed(tc, owner, bytes, item);
}
