namespace KmemGen.Internal;

/// <summary>
/// The contract between the allocator (Slab/, Kmalloc, pages) and memory cgroups (Memcg/):
/// the kernel's memcg_slab_post_alloc_hook / memcg_slab_free_hook. The allocator calls these;
/// Memcg/ implements them. Owner ids are 32-bit indexes of <see cref="ObjCgroup"/>s, which is
/// what an object's owner slot stores (4 bytes per object).
/// STUB until the memcg work lands: nothing is charged.
/// </summary>
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
    public static uint ChargeObjects(ThreadContext tc, int bytesPerObject, int count, MemcgStatItem item, Gfp gfp)
    {
        _ = tc; _ = bytesPerObject; _ = count; _ = item; _ = gfp;
        return NoOwner;
    }

    /// <summary>Refunds one object's charge to the owner recorded for it and drops its reference.</summary>
    public static void UnchargeObject(ThreadContext tc, uint owner, int bytes, MemcgStatItem item)
    {
        _ = tc; _ = owner; _ = bytes; _ = item;
    }

    /// <summary>The exception for the charge that just failed on this thread (names cgroup, limit, usage, request).</summary>
    public static OutOfMemoryException ChargeFailure(ThreadContext tc, long requestBytes)
    {
        _ = tc;
        return new OutOfMemoryException($"memory cgroup charge of {requestBytes} bytes failed");
    }
}
