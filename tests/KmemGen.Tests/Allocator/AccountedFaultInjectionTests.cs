using KmemGen.Internal;
using KmemGen.Tests.Memcg;

namespace KmemGen.Tests.Allocator;

/// <summary>
/// The accounted fast path (stock hit + owner-slot store) shares a per-thread flag word with fault
/// injection. A fault armed there must still fire on an accounted cache whose stock is warm, and the
/// failed allocation must leave the cgroup's counters exactly where they were (failslab unwinding).
/// </summary>
public unsafe class AccountedFaultInjectionTests : IDisposable
{
    public void Dispose() => FaultInjection.Reset();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Failslab_fires_on_a_warm_accounted_cache_and_unwinds_the_charge(int nth)
    {
        var cg = TestCgroups.Fresh("failslab-accounted");
        using var cache = SlabCache.Create("failslab-accounted", 64, SlabFlags.Account);
        using (cg.Enter())
        {
            void* warm = cache.Alloc();          // fills the thread's stock: the next charges are fast-path hits
            long usageBefore = cg.Usage;

            FaultInjection.FailNth(FaultPoint.SlabAlloc, nth);
            var taken = new List<IntPtr>();
            for (int i = 1; i < nth; i++) taken.Add((IntPtr)cache.Alloc());
            Assert.True(cache.TryAlloc() == null, $"allocation #{nth} should have failed");

            Assert.Equal(1 + taken.Count, cache.LiveObjects);
            Assert.Equal(usageBefore, cg.Usage);                        // stock-batched: no new page charge

            foreach (IntPtr p in taken) cache.Free((void*)p);
            cache.Free(warm);
        }
        TestCgroups.DrainThisThread();
        Assert.Equal(0, cg.Stat.Slab);
        Assert.Equal(0, cg.Usage);
        TestCgroups.RemoveTree(cg);
    }

    [Fact]
    public void Owner_vector_fault_on_an_accounted_cache_fails_the_allocation_and_charges_nothing()
    {
        var cg = TestCgroups.Fresh("ownervec-accounted");
        using var cache = SlabCache.Create("ownervec-accounted", 128, SlabFlags.Account);
        using (cg.Enter())
        {
            FaultInjection.FailNth(FaultPoint.OwnerVector, 1);
            Assert.True(cache.TryAlloc() == null);
            Assert.Equal(0, cache.LiveObjects);
            void* p = cache.Alloc();             // disarmed: the vector is made now
            cache.Free(p);
        }
        TestCgroups.DrainThisThread();
        Assert.Equal(0, cg.Usage);
        Assert.Equal(0, cg.Stat.Slab);
        TestCgroups.RemoveTree(cg);
    }
}
