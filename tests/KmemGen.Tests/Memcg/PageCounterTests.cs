using KmemGen.Internal;

namespace KmemGen.Tests.Memcg;

[Collection(UnderflowCollection.Name)]
public class PageCounterTests
{
    private static (PageCounter Root, PageCounter Mid, PageCounter Leaf) Chain()
    {
        MemCgroup owner = MemCgroup.Root;  // only used for failure reports
        var root = new PageCounter(null, owner);
        var mid = new PageCounter(root, owner);
        var leaf = new PageCounter(mid, owner);
        return (root, mid, leaf);
    }

    [Fact]
    public void A_charge_shows_at_every_level_and_raises_each_peak()
    {
        var (root, mid, leaf) = Chain();
        Assert.True(leaf.TryCharge(8192, out PageCounter? failed));
        Assert.Null(failed);
        Assert.Equal([8192L, 8192L, 8192L], [leaf.Usage, mid.Usage, root.Usage]);
        leaf.Uncharge(8192);
        Assert.Equal([0L, 0L, 0L], [leaf.Usage, mid.Usage, root.Usage]);
        Assert.Equal([8192L, 8192L, 8192L], [leaf.Watermark, mid.Watermark, root.Watermark]);
    }

    [Fact]
    public void A_refusal_at_the_top_unwinds_exactly_the_levels_below_and_counts_one_failure_there()
    {
        var (root, mid, leaf) = Chain();
        root.Max = 3 * 4096;
        Assert.True(leaf.TryCharge(2 * 4096, out _));

        Assert.False(leaf.TryCharge(2 * 4096, out PageCounter? failed));

        Assert.Same(root, failed);
        Assert.Equal([8192L, 8192L, 8192L], [leaf.Usage, mid.Usage, root.Usage]);
        Assert.Equal([0L, 0L, 1L], [leaf.FailCount, mid.FailCount, root.FailCount]);
    }

    [Fact]
    public void A_refusal_in_the_middle_leaves_the_root_untouched()
    {
        var (root, mid, leaf) = Chain();
        mid.Max = 4096;
        Assert.False(leaf.TryCharge(8192, out PageCounter? failed));
        Assert.Same(mid, failed);
        Assert.Equal([0L, 0L, 0L], [leaf.Usage, mid.Usage, root.Usage]);
    }

    [Fact]
    public void A_charge_exactly_to_the_limit_succeeds()
    {
        var (_, _, leaf) = Chain();
        leaf.Max = 8192;
        Assert.True(leaf.TryCharge(8192, out _));
        Assert.False(leaf.TryCharge(4096, out _));
    }

    [Fact]
    public void A_forced_charge_ignores_max()
    {
        var (root, _, leaf) = Chain();
        leaf.Max = 4096;
        leaf.Charge(8192);
        Assert.Equal(8192, leaf.Usage);
        Assert.Equal(8192, root.Usage);
    }

    [Fact]
    public void Resetting_the_watermark_sets_it_to_current_usage()
    {
        var (_, _, leaf) = Chain();
        Assert.True(leaf.TryCharge(3 * 4096, out _));
        leaf.Uncharge(2 * 4096);
        leaf.ResetWatermark();
        Assert.Equal(4096, leaf.Watermark);
    }

    [Fact]
    public void An_uncharge_below_zero_clamps_to_zero_and_is_counted()
    {
        var (_, _, leaf) = Chain();
        long before = PageCounter.Underflows;
        leaf.Uncharge(4096);
        Assert.Equal(0, leaf.Usage);
        Assert.True(PageCounter.Underflows >= before + 3);
    }
}
