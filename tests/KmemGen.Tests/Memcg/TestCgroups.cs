using KmemGen.Internal;

namespace KmemGen.Tests.Memcg;

/// <summary>
/// Helpers for memcg tests. MemCgroup.Root is process-wide and xunit runs classes in parallel, so
/// every test works in its own child of the root with a unique name and asserts only on that subtree.
/// </summary>
internal static class TestCgroups
{
    public const long Page = ObjStock.PageSize;
    public const long Batch = ObjStock.BatchBytes;

    public static MemCgroup Fresh(string scenario) =>
        MemCgroup.Root.CreateChild($"{scenario}-{Guid.NewGuid():N}");

    /// <summary>What the allocator does after taking an accounted object: charge it to the current cgroup.</summary>
    public static uint ChargeObject(int bytes, MemcgStatItem item = MemcgStatItem.SlabUnreclaimable, Gfp gfp = Gfp.KernelAccount, int count = 1) =>
        MemcgHooks.ChargeObjects(ThreadContext.Current, bytes, count, item, gfp);

    /// <summary>What the allocator does when freeing an accounted object.</summary>
    public static void FreeObject(uint owner, int bytes, MemcgStatItem item = MemcgStatItem.SlabUnreclaimable) =>
        MemcgHooks.UnchargeObject(ThreadContext.Current, owner, bytes, item);

    public static void DrainThisThread() => ObjStock.DrainCurrentThread();

    public static ObjCgroup OwnerOf(uint owner) => ObjCgroupTable.Lookup(owner);

    public static MemCgroup ChargedCgroupOf(uint owner)
    {
        using var rcu = Rcu.ReadLock();
        return OwnerOf(owner).MemCgroup;
    }

    /// <summary>Removes a subtree bottom-up (test cleanup).</summary>
    public static void RemoveTree(MemCgroup cg)
    {
        foreach (MemCgroup child in cg.Children) RemoveTree(child);
        if (cg.IsOnline) cg.Remove();
    }

    /// <summary>Runs <paramref name="work"/> on a new thread and waits for it (for tests that need a thread of their own).</summary>
    public static void OnNewThread(Action work)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { work(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new AggregateException(failure);
    }
}

/// <summary>Tests that provoke or assert on the process-wide PageCounter.Underflows count do not run in parallel.</summary>
[CollectionDefinition(Name)]
public sealed class UnderflowCollection
{
    public const string Name = "page counter underflows";
}
