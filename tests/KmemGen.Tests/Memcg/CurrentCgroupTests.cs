using KmemGen.Internal;

namespace KmemGen.Tests.Memcg;

public class CurrentCgroupTests
{
    [Fact]
    public void Current_is_root_outside_any_scope_and_root_charges_nothing()
    {
        TestCgroups.OnNewThread(() =>
        {
            Assert.Same(MemCgroup.Root, MemCgroup.Current);
            Assert.Equal(MemcgHooks.NoOwner, TestCgroups.ChargeObject(64));
        });
    }

    [Fact]
    public void Enter_nests_and_each_dispose_restores_the_previous_cgroup()
    {
        MemCgroup outer = TestCgroups.Fresh("current-outer");
        MemCgroup inner = outer.CreateChild("inner");
        MemCgroup before = MemCgroup.Current;

        using (outer.Enter())
        {
            Assert.Same(outer, MemCgroup.Current);
            using (inner.Enter())
            {
                Assert.Same(inner, MemCgroup.Current);
                uint owner = TestCgroups.ChargeObject(64);
                Assert.Same(inner, TestCgroups.ChargedCgroupOf(owner));
                TestCgroups.FreeObject(owner, 64);
            }
            Assert.Same(outer, MemCgroup.Current);
        }
        Assert.Same(before, MemCgroup.Current);
        TestCgroups.DrainThisThread();
        TestCgroups.RemoveTree(outer);
    }

    [Fact]
    public void Dispose_restores_the_previous_cgroup_when_an_exception_leaves_the_scope()
    {
        MemCgroup cg = TestCgroups.Fresh("current-throw");
        MemCgroup before = MemCgroup.Current;

        Action failingWork = () =>
        {
            using (cg.Enter()) throw new InvalidTimeZoneException();
        };
        Assert.Throws<InvalidTimeZoneException>(failingWork);

        Assert.Same(before, MemCgroup.Current);
        cg.Remove();
    }

    [Fact]
    public void Entering_root_stops_charging_inside_a_tenant_scope()
    {
        MemCgroup cg = TestCgroups.Fresh("current-root");
        using (cg.Enter())
        using (MemCgroup.Root.Enter())
        {
            Assert.Equal(MemcgHooks.NoOwner, TestCgroups.ChargeObject(64));
        }
        cg.Remove();
    }

    [Fact]
    public void A_default_scope_disposes_harmlessly()
    {
        MemCgroup before = MemCgroup.Current;
        default(MemCgroupScope).Dispose();
        Assert.Same(before, MemCgroup.Current);
    }

    [Fact]
    public void A_removed_cgroup_cannot_be_entered()
    {
        MemCgroup cg = TestCgroups.Fresh("current-removed");
        cg.Remove();
        Assert.Throws<InvalidOperationException>(() => cg.Enter());
    }

    [Fact]
    public async Task Current_survives_await_and_flows_into_Task_Run_and_charges_follow_it()
    {
        MemCgroup cg = TestCgroups.Fresh("current-async");
        using (cg.Enter())
        {
            await Task.Yield();
            Assert.Same(cg, MemCgroup.Current);
            uint afterAwait = TestCgroups.ChargeObject(32);
            Assert.Same(cg, TestCgroups.ChargedCgroupOf(afterAwait));
            TestCgroups.FreeObject(afterAwait, 32);

            MemCgroup? seen = null;
            MemCgroup? billed = null;
            await Task.Run(() =>
            {
                seen = MemCgroup.Current;
                uint owner = TestCgroups.ChargeObject(32);
                billed = TestCgroups.ChargedCgroupOf(owner);
                TestCgroups.FreeObject(owner, 32);
                TestCgroups.DrainThisThread();
            });
            Assert.Same(cg, seen);
            Assert.Same(cg, billed);
            TestCgroups.DrainThisThread();
        }
        cg.Remove();
    }

    [Fact]
    public async Task A_scope_entered_inside_Task_Run_does_not_leak_to_the_caller()
    {
        MemCgroup cg = TestCgroups.Fresh("current-leak");
        MemCgroup before = MemCgroup.Current;
        await Task.Run(() => { _ = cg.Enter(); Assert.Same(cg, MemCgroup.Current); });
        Assert.Same(before, MemCgroup.Current);
        cg.Remove();
    }
}
