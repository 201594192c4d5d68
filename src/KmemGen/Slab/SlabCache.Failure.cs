using KmemGen.Internal;

namespace KmemGen;

// The one place where a failed allocation becomes an exception (Alloc, AllocBulk and the slow paths
// all come here), so a message names the cache and says why in the same words wherever it failed.
public sealed unsafe partial class SlabCache
{
    private enum AllocFailureReason { Failslab, BulkFailslab, NoSlab, NoOwnerVector, ChargeLimit }

    private Exception AllocFailure(ThreadContext tc, AllocFailureReason why, int objects) => why switch
    {
        AllocFailureReason.ChargeLimit => MemcgHooks.ChargeFailure(tc, (long)ObjectSize * objects),
        AllocFailureReason.Failslab => new OutOfMemoryException($"slab cache '{Name}': allocation failed by fault injection (failslab)"),
        AllocFailureReason.BulkFailslab => new OutOfMemoryException($"slab cache '{Name}': bulk allocation failed by fault injection (failslab)"),
        AllocFailureReason.NoSlab => new OutOfMemoryException($"slab cache '{Name}': no memory for a new order-{Order} slab"),
        _ => new OutOfMemoryException($"slab cache '{Name}': no memory for the owner vector of a slab"),
    };
}
