using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// A shrinker (mm/shrinker.c): something that holds freeable objects charged to memory cgroups and can
/// free some of them on request. Reclaim calls <see cref="CountObjects"/> to learn how many objects of one
/// cgroup could be freed, then <see cref="ScanObjects"/> in batches of <see cref="BatchSize"/> to free them.
/// Every shrinker is memcg-aware: both calls name the one cgroup whose objects are wanted
/// (<see cref="ShrinkControl.Cgroup"/>), never its descendants (reclaim visits them itself).
/// </summary>
/// <remarks>
/// Rules, as in the kernel: both calls may run concurrently with each other and with the shrinker's own
/// users, on a reclaim thread that is not the one whose charge caused the reclaim; they must not block on
/// a lock that a charging thread may hold while it allocates (take such locks with Monitor.TryEnter and
/// return <see cref="ShrinkStop"/> when they are busy: the kernel's trylock_super), must not call
/// <see cref="Rcu.Synchronize"/>, and must not remove cgroups. A cgroup is never passed to a shrinker
/// after its <see cref="MemCgroup.Remove"/> has returned: removal waits for calls in flight on it.
/// </remarks>
public abstract class Shrinker
{
    /// <summary>SHRINK_STOP: returned by <see cref="ScanObjects"/> when it cannot make progress now.</summary>
    public const long ShrinkStop = -1;

    /// <summary>SHRINK_BATCH: the default number of objects per <see cref="ScanObjects"/> call.</summary>
    public const int DefaultBatchSize = 128;

    /// <summary>DEFAULT_SEEKS: the default cost of recreating an object (higher means scanned less).</summary>
    public const int DefaultSeeks = 2;

    private int _registered;
    private int _active;
    private long _failures;
    private Exception? _lastFailure;

    protected Shrinker(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The name (shrinker_alloc's fmt), used in messages and diagnostics.</summary>
    public string Name { get; }

    /// <summary>Objects per <see cref="ScanObjects"/> call (shrinker->batch).</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>shrinker->seeks: the scan target is scaled by 4 / Seeks (0 would mean "free everything at once").</summary>
    public int Seeks { get; init; } = DefaultSeeks;

    /// <summary>True between <see cref="Register"/> and <see cref="Unregister"/>.</summary>
    public bool IsRegistered => Volatile.Read(ref _registered) != 0;

    /// <summary>
    /// Calls to this shrinker that threw. Reclaim runs inside charges that must not fail for a shrinker's
    /// bug, so the exception is contained; it is counted here and kept in <see cref="LastFailure"/>.
    /// </summary>
    public long Failures => Volatile.Read(ref _failures);

    /// <summary>The most recent exception a call to this shrinker threw, or null.</summary>
    public Exception? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>count_objects: how many objects charged to <see cref="ShrinkControl.Cgroup"/> could be freed now (0 if none).</summary>
    public abstract long CountObjects(ShrinkControl sc);

    /// <summary>
    /// scan_objects: look at up to <see cref="ShrinkControl.NrToScan"/> objects of <see cref="ShrinkControl.Cgroup"/>,
    /// oldest first, and free what can be freed. Returns how many were freed, or <see cref="ShrinkStop"/>.
    /// Set <see cref="ShrinkControl.NrScanned"/> when a different number than NrToScan was looked at.
    /// </summary>
    public abstract long ScanObjects(ShrinkControl sc);

    /// <summary>shrinker_register: reclaim starts calling this shrinker. Returns it, for field initializers.</summary>
    public static T Register<T>(T shrinker) where T : Shrinker
    {
        ArgumentNullException.ThrowIfNull(shrinker);
        if (shrinker.BatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(shrinker), shrinker.BatchSize, $"Shrinker '{shrinker.Name}': BatchSize must be positive.");
        if (shrinker.Seeks <= 0)
            throw new ArgumentOutOfRangeException(nameof(shrinker), shrinker.Seeks, $"Shrinker '{shrinker.Name}': Seeks must be positive.");
        if (Interlocked.Exchange(ref shrinker._registered, 1) != 0)
            throw new InvalidOperationException($"Shrinker '{shrinker.Name}' is already registered.");
        ShrinkerRegistry.Add(shrinker);
        return shrinker;
    }

    /// <summary>
    /// shrinker_free: reclaim stops calling this shrinker; returns once no call to it is in flight, so the
    /// caller may then tear down what the shrinker frees. Must not be called from inside the shrinker.
    /// </summary>
    public void Unregister()
    {
        if (Interlocked.Exchange(ref _registered, 0) == 0)
            throw new InvalidOperationException($"Shrinker '{Name}' is not registered.");
        ShrinkerRegistry.Remove(this);
        // Calls that found us in the registry before the removal finish first (the kernel waits for
        // an RCU grace period and the shrinker's refcount for the same reason).
        var spin = new SpinWait();
        while (Volatile.Read(ref _active) != 0) spin.SpinOnce();
    }

    // A call in flight: taken before Count/Scan, refused once unregistered (shrinker_try_get).
    internal bool TryBeginCall()
    {
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _registered) != 0) return true;
        Interlocked.Decrement(ref _active);
        return false;
    }

    internal void EndCall() => Interlocked.Decrement(ref _active);

    internal void RecordFailure(Exception e)
    {
        Volatile.Write(ref _lastFailure, e);
        Interlocked.Increment(ref _failures);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>struct shrink_control: what one <see cref="Shrinker"/> call is asked to do.</summary>
public sealed class ShrinkControl
{
    internal ShrinkControl(MemCgroup cgroup) => Cgroup = cgroup;

    /// <summary>The cgroup whose own objects are wanted (sc->memcg); online for the whole call.</summary>
    public MemCgroup Cgroup { get; internal set; }

    /// <summary>How many objects to look at in this <see cref="Shrinker.ScanObjects"/> call.</summary>
    public long NrToScan { get; internal set; }

    /// <summary>How many objects the scan looked at; preset to <see cref="NrToScan"/>.</summary>
    public long NrScanned { get; set; }
}
