namespace KmemGen.Internal;

/// <summary>
/// Hierarchical usage counter, after mm/page_counter.c. KmemGen counts in BYTES, not pages: every
/// charge reaching a counter is a whole number of 4 KiB pages (the byte stocks refill and return
/// whole pages), so for usage U (a page multiple) and a byte limit M, "U &gt; M" is the kernel's
/// "U/4K &gt; floor(M/4K)": the same decisions, but memory.max reads back exactly what was written.
/// </summary>
internal sealed class PageCounter(PageCounter? parent, MemCgroup owner)
{
    public const long Unlimited = long.MaxValue;

    private long _usage;
    private long _max = Unlimited;
    private long _high = Unlimited;
    private long _watermark;
    private long _failcnt;
    private static long s_underflows;

    public PageCounter? Parent { get; } = parent;
    public MemCgroup Owner { get; } = owner;

    public long Usage => Volatile.Read(ref _usage);
    // xchg, as memory_max_write: a full fence, so a writer that then reads usage and a charger that added
    // to usage and then reads max cannot both miss each other.
    public long Max { get => Volatile.Read(ref _max); set => Interlocked.Exchange(ref _max, value); }
    public long High { get => Volatile.Read(ref _high); set => Volatile.Write(ref _high, value); }
    public long Watermark => Volatile.Read(ref _watermark);
    public long FailCount => Volatile.Read(ref _failcnt);

    /// <summary>How many uncharges would have taken a counter below zero (the kernel's "page_counter underflow" WARN).</summary>
    public static long Underflows => Volatile.Read(ref s_underflows);

    /// <summary>
    /// page_counter_try_charge: a speculative add at each level from this one to the root (cheaper than a
    /// CAS loop); a level that ends above its max takes its add back, counts a failure, and the levels
    /// below it that were already charged are unwound, so a failed charge leaves every counter as it was.
    /// The speculative add can make a concurrent charge fail spuriously near the limit; the kernel accepts that.
    /// </summary>
    public bool TryCharge(long bytes, out PageCounter? failed)
    {
        for (PageCounter? c = this; c is not null; c = c.Parent)
        {
            long updated = Interlocked.Add(ref c._usage, bytes);
            if (updated > Volatile.Read(ref c._max))
            {
                Interlocked.Add(ref c._usage, -bytes);
                Interlocked.Increment(ref c._failcnt);
                failed = c;
                // Unwind exactly the levels charged before the one that refused.
                for (PageCounter u = this; u != c; u = u.Parent!)
                    u.Cancel(bytes);
                return false;
            }
            c.RaiseWatermark(updated);
        }
        failed = null;
        return true;
    }

    /// <summary>page_counter_charge: charges every level ignoring max (Gfp.NoFail).</summary>
    public void Charge(long bytes)
    {
        for (PageCounter? c = this; c is not null; c = c.Parent)
            c.RaiseWatermark(Interlocked.Add(ref c._usage, bytes));
    }

    /// <summary>page_counter_uncharge: cancels the charge at every level.</summary>
    public void Uncharge(long bytes)
    {
        for (PageCounter? c = this; c is not null; c = c.Parent)
            c.Cancel(bytes);
    }

    /// <summary>Resets the peak to the current usage (a write to memory.peak).</summary>
    public void ResetWatermark() => Volatile.Write(ref _watermark, Usage);

    // page_counter_cancel: an uncharge below zero is a bookkeeping bug somewhere; like the kernel,
    // count it (WARN) and clamp to zero rather than let every later comparison go wrong.
    private void Cancel(long bytes)
    {
        long updated = Interlocked.Add(ref _usage, -bytes);
        if (updated < 0)
        {
            Interlocked.Increment(ref s_underflows);
            Interlocked.CompareExchange(ref _usage, 0, updated);
        }
    }

    private void RaiseWatermark(long usage)
    {
        long seen = Volatile.Read(ref _watermark);
        while (usage > seen)
        {
            long prior = Interlocked.CompareExchange(ref _watermark, usage, seen);
            if (prior == seen) return;
            seen = prior;
        }
    }
}
