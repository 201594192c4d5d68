namespace KmemGen;

// memory.min / memory.low made effective (mm/page_counter.c page_counter_calculate_protection).
public sealed partial class MemCgroup
{
    // Effective protection, recomputed by every reclaim walk that visits this cgroup (emin/elow).
    // Racy by design, as in the kernel: two reclaims with different targets may overwrite each
    // other's values; each recomputes its own before it uses them, parents before children.
    private long _emin;
    private long _elow;

    /// <summary>The memory.min protection the last reclaim walk computed for this cgroup (page_counter emin).</summary>
    internal long EffectiveMin => Volatile.Read(ref _emin);

    /// <summary>The memory.low protection the last reclaim walk computed for this cgroup (page_counter elow).</summary>
    internal long EffectiveLow => Volatile.Read(ref _elow);

    /// <summary>
    /// mem_cgroup_calculate_protection: this cgroup's emin/elow for a reclaim aimed at <paramref name="target"/>.
    /// The target itself is unprotected; its children get their own min/low; deeper cgroups get a share of
    /// their parent's effective protection, in proportion to their own protected usage when the siblings
    /// claim more than the parent has (effective_protection). The parent's values must be fresh (pre-order walk).
    /// </summary>
    internal void CalculateProtection(MemCgroup target)
    {
        if (this == target) return;
        long usage = Usage;
        if (usage == 0) return;
        MemCgroup parent = _parent!;
        if (parent == target)
        {
            Volatile.Write(ref _emin, Min);
            Volatile.Write(ref _elow, Low);
            return;
        }
        long parentUsage = parent.Usage;
        parent.SumChildrenProtectedUsage(out long childrenMin, out long childrenLow);
        Volatile.Write(ref _emin, EffectiveProtection(usage, parentUsage, Min, parent.EffectiveMin, childrenMin));
        Volatile.Write(ref _elow, EffectiveProtection(usage, parentUsage, Low, parent.EffectiveLow, childrenLow));
    }

    /// <summary>mem_cgroup_below_min: reclaim aimed at <paramref name="target"/> must not touch this cgroup.</summary>
    internal bool BelowMin(MemCgroup target) => this != target && Usage <= EffectiveMin;

    /// <summary>mem_cgroup_below_low: reclaim aimed at <paramref name="target"/> touches this cgroup only when nothing else is left.</summary>
    internal bool BelowLow(MemCgroup target) => this != target && Usage <= EffectiveLow;

    /// <summary>mem_cgroup_protection: how much of this cgroup a reclaim pass should leave alone (scales its scan target).</summary>
    internal long Protection(MemCgroup target, bool lowReclaim)
    {
        if (this == target) return 0;
        return lowReclaim ? EffectiveMin : Math.Max(EffectiveMin, EffectiveLow);
    }

    /// <summary>
    /// effective_protection without memory_recursiveprot: a child keeps min(usage, setting) while its
    /// siblings together claim no more than the parent's effective protection; otherwise the parent's
    /// protection is divided among them in proportion to what each claims.
    /// </summary>
    internal static long EffectiveProtection(long usage, long parentUsage, long setting, long parentEffective, long siblingsProtected)
    {
        _ = parentUsage;  // used only by the recursive variant, which KmemGen does not offer
        long claimed = Math.Min(usage, setting);
        if (siblingsProtected > parentEffective && siblingsProtected > 0)
            return (long)((Int128)claimed * parentEffective / siblingsProtected);
        return claimed;
    }

    // children_min_usage / children_low_usage: the kernel keeps them up to date on every charge
    // (propagate_protected_usage); KmemGen sums them when reclaim needs them, so the charge path
    // pays nothing for protection.
    private void SumChildrenProtectedUsage(out long min, out long low)
    {
        min = 0;
        low = 0;
        lock (CgroupMutex)
        {
            foreach (MemCgroup child in _children)
            {
                long usage = child.Usage;
                min += Math.Min(usage, child.Min);
                low += Math.Min(usage, child.Low);
            }
        }
    }
}
