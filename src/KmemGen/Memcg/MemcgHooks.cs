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
        // consume_obj_stock: same handle cached, enough bytes, no drain requested.
        if (objcg == tc.StockObjcg && size <= tc.Stock.Bytes && tc.StockGeneration == ObjStock.DrainGeneration)
        {
            tc.Stock.Bytes -= size;
            ObjStock.AddStat(tc, item, size);
            return tc.MemcgObjcgId;
        }
        return ChargeObjectsSlow(tc, size, item, gfp);
    }

    /// <summary>Refunds one object's charge to the owner recorded for it and drops its reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UnchargeObject(ThreadContext tc, uint owner, int bytes, MemcgStatItem item)
    {
        if (owner == NoOwner) return;
        // The stock pins its handle, so its id cannot have been reused: equal ids mean the same handle.
        if (owner == tc.StockObjcgId && tc.StockGeneration == ObjStock.DrainGeneration)
        {
            tc.Stock.Bytes += bytes;
            ObjStock.AddStat(tc, item, -bytes);
            if (tc.Stock.Bytes > ObjStock.BatchBytes) ObjStock.Trim(tc);
            return;
        }
        ObjStock.Uncharge(tc, ObjCgroupTable.Lookup(owner), bytes, item);
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
