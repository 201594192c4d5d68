using KmemGen.Internal;

namespace KmemGen;

// memory.reclaim (memory_reclaim): proactive reclaim of a byte amount from the subtree.
public sealed partial class MemCgroup
{
    /// <summary>
    /// Reclaims <paramref name="bytes"/> from this cgroup's subtree (a write to memory.reclaim): in rounds of a
    /// quarter of what is left (at least SWAP_CLUSTER_MAX pages), giving up after MAX_RECLAIM_RETRIES rounds
    /// that free nothing. True when the whole amount was reclaimed; <paramref name="reclaimed"/> says how much
    /// was. Blocks while the reclaim thread works; throws InvalidOperationException on a removed cgroup.
    /// </summary>
    [MightSleep]
    public bool TryReclaim(long bytes, out long reclaimed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (!IsOnline) throw new InvalidOperationException($"memory.reclaim cannot be written on {Path}: the cgroup was removed.");
        reclaimed = 0;
        int retries = ReclaimDriver.MaxReclaimRetries;
        MemCgroup memcg = this;
        while (reclaimed < bytes)
        {
            long left = bytes - reclaimed;
            long round = Math.Min(left, Math.Max(left / 4, ReclaimDriver.SwapClusterBytes));
            bool sawFreeable = false;
            long got = ReclaimWorker.IsCurrentThread
                ? ReclaimDriver.TryToFree(memcg, round, out sawFreeable)
                : ReclaimWorker.Run(() => ReclaimWorker.TryToFreeOnline(memcg, round, out sawFreeable));
            if (got == 0 && (!sawFreeable || retries-- == 0)) return false;
            reclaimed += got;
        }
        return true;
    }

    private void WriteReclaim(string file, string value)
    {
        if (!Memparse.TryParseLimit(value, out long bytes) || bytes == PageCounter.Unlimited)
            throw new ArgumentException($"Invalid value '{value}' for {file} of {Path}: expected a byte count with an optional K/M/G/T/P/E suffix.", nameof(value));
        if (!TryReclaim(bytes, out long reclaimed))
            throw new MemoryReclaimIncompleteException(Path, bytes, reclaimed);
    }
}

/// <summary>
/// A write to memory.reclaim could not reclaim the amount asked for (the kernel's EAGAIN): what was
/// reclaimed stays reclaimed; retrying may succeed once more objects are reclaimable.
/// </summary>
public sealed class MemoryReclaimIncompleteException : InvalidOperationException
{
    public MemoryReclaimIncompleteException(string message) : base(message) { }

    internal MemoryReclaimIncompleteException(string cgroupPath, long requested, long reclaimed)
        : base($"memory cgroup {cgroupPath}: memory.reclaim of {requested} bytes reclaimed only {reclaimed} bytes (EAGAIN: nothing more could be reclaimed).")
    {
        CgroupPath = cgroupPath;
        Requested = requested;
        Reclaimed = reclaimed;
    }

    /// <summary>The cgroup written to.</summary>
    public string? CgroupPath { get; }
    /// <summary>The bytes asked for.</summary>
    public long Requested { get; }
    /// <summary>The bytes reclaimed before reclaim gave up.</summary>
    public long Reclaimed { get; }
}
