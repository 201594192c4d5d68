namespace KmemGen.Tests.Memcg;

public class CssTests
{
    [Fact]
    public void Root_references_are_no_ops()
    {
        MemCgroup.Root.CssGet();
        Assert.True(MemCgroup.Root.CssTryGet());
        Assert.True(MemCgroup.Root.CssTryGetOnline());
        MemCgroup.Root.CssPut();
        MemCgroup.Root.CssPut();
        Assert.True(MemCgroup.Root.IsOnline);
    }

    [Fact]
    public void An_online_cgroup_gives_references_of_every_kind()
    {
        MemCgroup cg = TestCgroups.Fresh("css-online");
        Assert.True(cg.CssTryGet());
        Assert.True(cg.CssTryGetOnline());
        cg.CssGet();
        Assert.Equal(4, cg.CssRefCount);
        cg.CssPut();
        cg.CssPut();
        cg.CssPut();
        Assert.Equal(1, cg.CssRefCount);
        cg.Remove();
    }

    [Fact]
    public void A_put_without_a_reference_throws_and_changes_nothing()
    {
        MemCgroup cg = TestCgroups.Fresh("css-underflow");
        Assert.Throws<InvalidOperationException>(() => cg.CssPut());
        Assert.True(cg.IsOnline);
        Assert.Equal(1, cg.CssRefCount);
        cg.Remove();
        Assert.Throws<InvalidOperationException>(() => cg.CssPut());
    }

    [Fact]
    public void A_removed_cgroup_refuses_TryGetOnline_but_stays_alive_while_referenced()
    {
        MemCgroup cg = TestCgroups.Fresh("css-offline");
        cg.CssGet();
        cg.Remove();

        Assert.False(cg.CssTryGetOnline());
        Assert.True(cg.CssTryGet());  // still referenced: tryget succeeds
        cg.CssGet();                  // the caller holds a reference: allowed
        cg.CssPut();
        cg.CssPut();
        Rcu.Barrier();
        Assert.False(cg.IsFreed);

        cg.CssPut();  // the last reference
        Assert.False(cg.CssTryGet());
        Assert.Throws<InvalidOperationException>(() => cg.CssGet());  // would revive it (9f38f03ae8d5)
        Rcu.Barrier();
        Assert.True(cg.IsFreed);
    }

    [Fact]
    public void A_cgroup_is_freed_only_after_readers_that_could_still_see_it_have_left()
    {
        MemCgroup cg = TestCgroups.Fresh("css-grace");
        using var inSection = new ManualResetEventSlim();
        using var leave = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            using var rcu = Rcu.ReadLock();
            inSection.Set();
            leave.Wait();
        });
        reader.Start();
        inSection.Wait();

        cg.Remove();  // drops the last reference: css_free waits for the grace period
        Thread.Sleep(200);
        Assert.False(cg.IsFreed);

        leave.Set();
        reader.Join();
        Rcu.Barrier();
        Assert.True(cg.IsFreed);
    }
}
