using KmemGen.Internal;

namespace KmemGen;

public sealed partial class MemCgroup
{
    /// <summary>
    /// drain_all_stock for every cgroup: the per-thread charge stocks (up to 64 pages each) give their
    /// pre-charged bytes back to the page counters. Threads that have exited are handled now, with the
    /// rest of their exit (their cached slabs and pages go back too), and so is the calling thread; a
    /// thread that is still running drains at its next charge or refund. Call it after joining worker
    /// threads to see <see cref="Usage"/> equal the bytes live objects hold.
    /// </summary>
    public static void DrainAllStock() => ObjStock.DrainAll(null);

    /// <summary>
    /// <see cref="DrainAllStock"/> for this cgroup's subtree: exited threads are handled, the calling
    /// thread drains if its stock holds charges of this cgroup or a descendant, running threads are asked
    /// to drain at their next charge or refund.
    /// </summary>
    public void DrainStock() => ObjStock.DrainAll(this);
}
