namespace KmemGen;

/// <summary>
/// Allocation flags, after the kernel's gfp_t. <see cref="Account"/> is <c>__GFP_ACCOUNT</c>:
/// the allocation is charged to the current memory cgroup.
/// </summary>
[Flags]
public enum Gfp
{
    /// <summary>GFP_KERNEL: may wait, not charged.</summary>
    Kernel = 0,
    /// <summary>__GFP_ACCOUNT: charge the allocation to <see cref="MemCgroup.Current"/>.</summary>
    Account = 1 << 0,
    /// <summary>__GFP_ZERO: the memory is zeroed.</summary>
    Zero = 1 << 1,
    /// <summary>__GFP_NOFAIL: the charge is forced past the limit rather than failing.</summary>
    NoFail = 1 << 2,
    /// <summary>GFP_NOWAIT: must not block; a charge over the limit fails at once.</summary>
    NoWait = 1 << 3,
    /// <summary>GFP_KERNEL_ACCOUNT.</summary>
    KernelAccount = Kernel | Account,
}
