using KmemGen.Internal;
using KmemGen.Tests.Memcg;

namespace KmemGen.Tests.Reclaim;

public class HighThrottleTests
{
    private const long Page = ObjStock.PageSize;

    [Fact]
    public void Overage_is_the_excess_over_high_in_2_to_the_minus_20_units()
    {
        Assert.Equal(0UL, MemCgroup.CalculateOverage(100 * Page, 100 * Page));
        Assert.Equal(0UL, MemCgroup.CalculateOverage(90 * Page, 100 * Page));
        Assert.Equal(104857UL, MemCgroup.CalculateOverage(110 * Page, 100 * Page));
        // high = 0 is clamped to 1 (clamped_high), not a division by zero.
        Assert.True(MemCgroup.CalculateOverage(Page, 0) > 0);
    }

    [Fact]
    public void Delay_grows_with_the_square_of_the_overage_and_with_the_pages_charged()
    {
        MemCgroup cg = TestCgroups.Fresh("throttle-delay");
        cg.High = 100 * Page;
        MemCgroup child = cg.CreateChild("c");
        using (child.Enter())
        {
            // 110 pages charged against a high of 100 on the parent: 10% over.
            Assert.True(ObjCgroupCharge(110 * Page, Gfp.NoWait, out ObjCgroup objcg));
            Assert.True(cg.Usage >= 110 * Page);
            long usage = cg.Usage;
            long expected = Delay(usage, 100 * Page, 64);
            Assert.Equal(expected, MemCgroup.CalculateHighDelay(child, ObjStock.BatchBytes));
            Assert.Equal(Delay(usage, 100 * Page, 32), MemCgroup.CalculateHighDelay(child, 32 * Page));
            objcg.Uncharge(110 * Page);
            objcg.Put();
        }
        TestCgroups.DrainThisThread();
        Assert.Equal(0, MemCgroup.CalculateHighDelay(child, ObjStock.BatchBytes));
        TestCgroups.RemoveTree(cg);
    }

    [Fact]
    public void The_kernel_curve_10_percent_over_costs_about_640_ms_per_batch_1_percent_6_ms()
    {
        Assert.Equal(639, Delay(110 * Page, 100 * Page, 64));
        Assert.Equal(6, Delay(101 * Page, 100 * Page, 64));
        Assert.Equal(2559, Delay(120 * Page, 100 * Page, 64));
        Assert.Equal(TimeSpan.FromSeconds(2), MemCgroup.MaxHighDelay);
    }

    [Fact]
    public void A_NoWait_charge_above_high_neither_sleeps_nor_fails()
    {
        MemCgroup cg = TestCgroups.Fresh("throttle-nowait");
        cg.High = 16 * Page;
        TestCgroups.OnNewThread(() =>
        {
            using (cg.Enter())
            {
                Assert.True(ObjCgroupCharge(40 * Page, Gfp.NoWait, out ObjCgroup objcg));
                Assert.True(cg.Usage > cg.High);
                Assert.Equal(0, cg.Throttled.Count);
                objcg.Uncharge(40 * Page);
                objcg.Put();
            }
            TestCgroups.DrainThisThread();
        });
        Assert.True(cg.Events.High > 0);
        cg.Remove();
    }

    [Fact]
    public void A_blocking_charge_far_above_high_sleeps_once_per_charge_capped_at_two_seconds()
    {
        MemCgroup cg = TestCgroups.Fresh("throttle-sleep");
        cg.High = 16 * Page;
        TestCgroups.OnNewThread(() =>
        {
            using (cg.Enter())
            {
                // 64 pages against 16: 300% over, a penalty far beyond the cap.
                Assert.True(ObjCgroupCharge(64 * Page, Gfp.Kernel, out ObjCgroup objcg));
                objcg.Uncharge(64 * Page);
                objcg.Put();
            }
            TestCgroups.DrainThisThread();
        });
        (long count, long ms) = cg.Throttled;
        Assert.Equal(1, count);
        Assert.Equal(2000, ms);
        cg.Remove();
    }

    [Fact]
    public async Task Pool_thread_charges_do_not_sleep_and_ThrottleAsync_pays_the_penalty()
    {
        MemCgroup cg = TestCgroups.Fresh("throttle-async");
        Assert.True(MemCgroup.ThrottleAsync().IsCompletedSuccessfully, "nothing over high: completes at once");
        cg.High = 100 * Page;
        ObjCgroup? objcg = null;
        await Task.Run(() =>
        {
            Assert.True(Thread.CurrentThread.IsThreadPoolThread);
            using (cg.Enter())
            {
                // 120 pages against 100: a blocking thread would sleep ~2.5 s (capped at 2 s).
                Assert.True(ObjCgroupCharge(120 * Page, Gfp.Kernel, out ObjCgroup charged));
                objcg = charged;
            }
        });
        Assert.Equal(0, cg.Throttled.Count);

        using (cg.Enter())
        {
            ValueTask throttle = MemCgroup.ThrottleAsync();
            Assert.False(throttle.IsCompleted, "the penalty is awaited, not slept");
            await throttle;
        }
        Assert.Equal(1, cg.Throttled.Count);
        Assert.InRange(cg.Throttled.Milliseconds, 11, 2000);

        objcg!.Uncharge(120 * Page);
        objcg.Put();
        cg.Remove();
    }

    [Fact]
    public async Task ThrottleAsync_honours_cancellation()
    {
        MemCgroup cg = TestCgroups.Fresh("throttle-cancel");
        cg.High = 16 * Page;
        using (cg.Enter())
        {
            Assert.True(ObjCgroupCharge(64 * Page, Gfp.NoWait, out ObjCgroup objcg));
            using var cts = new CancellationTokenSource();
            ValueTask throttle = MemCgroup.ThrottleAsync(cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await throttle);
            objcg.Uncharge(64 * Page);
            objcg.Put();
        }
        TestCgroups.DrainThisThread();
        cg.Remove();
    }

    // A charge that is not a slab object: memory the caller holds until it uncharges.
    private static bool ObjCgroupCharge(long bytes, Gfp gfp, out ObjCgroup objcg)
    {
        objcg = ObjCgroup.FromCurrent()!;
        return objcg.TryCharge(bytes, gfp);
    }

    private static long Delay(long usage, long high, long pages)
    {
        ulong overage = MemCgroup.CalculateOverage(usage, high);
        return (long)((UInt128)overage * overage * 1000 >> 34) * pages / 64;
    }
}
