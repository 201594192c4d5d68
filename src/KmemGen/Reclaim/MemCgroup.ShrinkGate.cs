namespace KmemGen;

// Removal versus shrinkers: a shrinker is never called for a cgroup whose Remove() has returned.
public sealed partial class MemCgroup
{
    // Shrinker calls in flight on this cgroup. A call enters (increment, then check online) and a
    // removal goes offline, then waits for zero: both steps are full fences, so either the call sees
    // the cgroup offline and backs out, or the removal sees the call and waits for it (Dekker).
    private int _shrinking;

    /// <summary>Enters a shrinker call on this cgroup; false once it is being removed.</summary>
    internal bool TryEnterShrink()
    {
        Interlocked.Increment(ref _shrinking);
        if (IsOnline) return true;
        Interlocked.Decrement(ref _shrinking);
        return false;
    }

    internal void ExitShrink() => Interlocked.Decrement(ref _shrinking);

    /// <summary>After going offline: waits until no shrinker call on this cgroup is in flight.</summary>
    private void WaitForShrinkers()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _shrinking) != 0) spin.SpinOnce();
    }
}
