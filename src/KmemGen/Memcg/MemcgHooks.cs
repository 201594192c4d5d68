using System.Runtime.CompilerServices;

namespace KmemGen.Internal;

/// <summary>
/// The contract between the allocator (Slab/, Kmalloc, pages) and memory cgroups (Memcg/):
/// the kernel's memcg_slab_post_alloc_hook / memcg_slab_free_hook. The allocator calls these;
/// Memcg/ implements them. Owner ids are 32-bit indexes of <see cref="ObjCgroup"/>s, which is
/// what an object's owner slot stores (4 bytes per object).
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

    /// <summary>
    /// Charges <paramref name="count"/> objects of <paramref name="bytesPerObject"/> bytes to the
    /// current cgroup's ObjCgroup and returns its owner id (with one reference per object held),
    /// <see cref="NoOwner"/> when there is nothing to charge, or <see cref="ChargeFailed"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ChargeObjects(ThreadContext tc, int bytesPerObject, int count, MemcgStatItem item, Gfp gfp)
    {
        ObjCgroup? objcg = tc.MemcgObjcg;
        if (objcg is null) return NoOwner;
        long size = (long)bytesPerObject * count;
        return ObjStock.TryConsume(tc, objcg, size, item) ? tc.MemcgObjcgId : ChargeObjectsSlow(tc, size, item, gfp);
    }

    /// <summary>Refunds one object's charge to the owner recorded for it and drops its reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UnchargeObject(ThreadContext tc, uint owner, int bytes, MemcgStatItem item)
    {
        if (owner == NoOwner) return;
        // The stock pins its handle, so its id cannot have been reused: equal ids mean the same handle.
        if (owner == tc.StockObjcgId && tc.StockGeneration == ObjStock.DrainGeneration)
        {
            ObjStock.RefillCached(tc, bytes, item);
            return;
        }
        ObjStock.Uncharge(tc, ObjCgroupTable.Lookup(owner), bytes, item);
    }

    /// <summary>
    /// consume_obj_stock for the allocator's inlined fast path: true when <paramref name="size"/> bytes
    /// for <paramref name="objcg"/> (the thread's cached current owner, not null) were taken from this
    /// thread's stock; the owner id to record is then <c>tc.StockObjcgId</c>. False on any miss (another
    /// handle cached, stock short, drain requested, stat delta due for a flush): nothing was changed and
    /// the caller takes its slow path, which calls <see cref="ChargeObjects"/>.
    /// </summary>
    /// <remarks>
    /// Plain loads and stores on this thread's fields, and no call: everything that would call out
    /// (refill, stat flush) is a miss. Keeping calls out of the code inlined into the caller's loop
    /// matters: with them the JIT ran out of registers and stopped hoisting the [ThreadStatic] base
    /// out of the caller's loops, which cost the unaccounted path too (docs/benchmarks-charging.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryConsumeStock(ThreadContext tc, ObjCgroup objcg, long size, MemcgStatItem item)
    {
        long left = tc.Stock.Bytes - size;
        ref long stat = ref ObjStock.StatDelta(tc, item);
        long statAfter = stat + size;
        // Reference compare, not ids: a cached handle that was released may share a reused id.
        if (objcg != tc.StockObjcg || left < 0 || tc.StockGeneration != ObjStock.DrainGeneration
            || !ObjStock.StatDeltaFits(statAfter))
        {
            return false;
        }

        tc.Stock.Bytes = left;
        stat = statAfter;
        return true;
    }

    /// <summary>
    /// refill_obj_stock for the allocator's inlined fast path: true when the refund of an object owned by
    /// <paramref name="owner"/> (not NoOwner) went into this thread's stock, which caches that owner.
    /// False on a miss (another owner, drain requested, stock over a batch, stat delta due for a flush),
    /// with nothing changed: the caller then calls <see cref="UnchargeObject"/>. No call, as above.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRefillStock(ThreadContext tc, uint owner, long size, MemcgStatItem item)
    {
        long bytes = tc.Stock.Bytes + size;
        ref long stat = ref ObjStock.StatDelta(tc, item);
        long statAfter = stat - size;
        // The stock pins its handle, so its id cannot have been reused: equal ids mean the same handle.
        if (owner != tc.StockObjcgId || tc.StockGeneration != ObjStock.DrainGeneration
            || bytes > ObjStock.BatchBytes || !ObjStock.StatDeltaFits(statAfter))
        {
            return false;
        }

        tc.Stock.Bytes = bytes;
        stat = statAfter;
        return true;
    }

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
                    ObjCgroup? fresh = MemCgroup.ResolveObjcg(tc.MemcgCurrent);
                    tc.MemcgObjcg = fresh;
                    tc.MemcgObjcgId = fresh?.Id ?? NoOwner;
                    break;
            }
        }
    }
}
