namespace KmemGen;

public sealed partial class MemCgroup
{
    // css refcount and online state in one word, so that "take a reference only if still online"
    // (css_tryget_online) and "go offline and drop the base reference" are each one atomic step:
    // bit 0 = online, the rest = references * 2. The root never counts (CSS_NO_REF).
    private const long CssOnlineBit = 1;
    private const long CssOneRef = 2;
    private long _cssState;
    private int _freed;
    private static int s_liveCgroups;

    /// <summary>Cgroups created and not yet freed (the root excluded).</summary>
    internal static int LiveCount => Volatile.Read(ref s_liveCgroups);

    /// <summary>True until <see cref="Remove"/> (css online).</summary>
    public bool IsOnline => IsRoot || (Volatile.Read(ref _cssState) & CssOnlineBit) != 0;

    /// <summary>True once removed, unreferenced and past a grace period (css_free ran).</summary>
    internal bool IsFreed => Volatile.Read(ref _freed) != 0;

    /// <summary>
    /// css_get: takes another reference. The caller must already hold one (or know the cgroup is online);
    /// on a cgroup whose last reference is gone it throws rather than bring it back to life (the bug
    /// fixed by 9f38f03ae8d5; use <see cref="CssTryGet"/> under RCU instead).
    /// </summary>
    [Acquires("css")]
    public void CssGet()
    {
        if (IsRoot) return;
        if (!CssTryGet())
            throw new InvalidOperationException($"CssGet on {Path}, whose last reference is gone: it would revive a dying cgroup. Use CssTryGet under Rcu.ReadLock().");
    }

    /// <summary>css_tryget: a reference unless the count already reached zero; safe under <see cref="Rcu.ReadLock"/>.</summary>
    [Acquires("css")]
    public bool CssTryGet()
    {
        if (IsRoot) return true;
        long seen = Volatile.Read(ref _cssState);
        while (seen >= CssOneRef)
        {
            long prior = Interlocked.CompareExchange(ref _cssState, seen + CssOneRef, seen);
            if (prior == seen) return true;
            seen = prior;
        }
        return false;
    }

    /// <summary>css_tryget_online: a reference only while the cgroup has not been removed.</summary>
    [Acquires("css")]
    public bool CssTryGetOnline()
    {
        if (IsRoot) return true;
        long seen = Volatile.Read(ref _cssState);
        while ((seen & CssOnlineBit) != 0)
        {
            long prior = Interlocked.CompareExchange(ref _cssState, seen + CssOneRef, seen);
            if (prior == seen) return true;
            seen = prior;
        }
        return false;
    }

    /// <summary>
    /// css_put: drops a reference. The last one, on a removed cgroup, frees it after a grace period
    /// (css_free via call_rcu), so a reader that found it under Rcu.ReadLock() can still CssTryGet safely.
    /// A put without a reference throws and changes nothing.
    /// </summary>
    [Releases("css")]
    public void CssPut()
    {
        if (IsRoot) return;
        long seen = Volatile.Read(ref _cssState);
        while (true)
        {
            // Online, one reference left: that is the base reference only Remove() may drop.
            if (seen < CssOneRef || seen == (CssOnlineBit | CssOneRef))
                throw new InvalidOperationException($"CssPut on {Path} without a reference (the count would go negative).");
            long prior = Interlocked.CompareExchange(ref _cssState, seen - CssOneRef, seen);
            if (prior == seen) break;
            seen = prior;
        }
        if (seen - CssOneRef == 0) Rcu.Call(Free);
    }

    /// <summary>The references held now (tests and diagnostics).</summary>
    internal long CssRefCount => IsRoot ? 1 : Volatile.Read(ref _cssState) >> 1;

    private void MarkOffline() => Interlocked.And(ref _cssState, ~CssOnlineBit);

    // css_free: after the grace period nothing can find this cgroup any more.
    private void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0) Interlocked.Decrement(ref s_liveCgroups);
    }
}
