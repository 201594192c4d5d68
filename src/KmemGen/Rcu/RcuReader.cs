using System.Runtime.InteropServices;
using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// One thread's RCU reader state: the nesting depth (touched only by the owner) and the published
/// epoch (written by the owner, read by Synchronize). Registered once per thread; records of exited
/// threads are dropped at the next registration, or ended by the grace period that finds one still
/// inside a section (<see cref="EndAbandonedSection"/>).
/// </summary>
internal sealed class RcuReader
{
    private static readonly object s_lock = new();
    private static readonly List<RcuReader> s_readers = [];

    private readonly Thread _thread = Thread.CurrentThread;

    /// <summary>The epoch at entry to the outermost section, 0 outside; padded to its own cache line.</summary>
    public PaddedLong Epoch;
    public int Nesting;

    /// <summary>The owner thread's name as a stall report shows it.</summary>
    public string ThreadName => _thread.Name ?? "(unnamed)";

    public int ManagedThreadId => _thread.ManagedThreadId;

    /// <summary>False once the owner thread has exited: nothing can end its section any more.</summary>
    public bool OwnerIsAlive => _thread.IsAlive;

    /// <summary>Whether this reader lets the grace period that advanced the epoch to <paramref name="target"/> end.</summary>
    public bool HasPassed(long target)
    {
        long epoch = Volatile.Read(ref Epoch.Value);
        return epoch == 0 || epoch >= target;
    }

    public static RcuReader RegisterCurrentThread()
    {
        var reader = new RcuReader();
        lock (s_lock)
        {
            s_readers.RemoveAll(r => !r._thread.IsAlive && Volatile.Read(ref r.Epoch.Value) == 0);
            s_readers.Add(reader);
        }
        ThreadContext.Current.RcuReader = reader;
        return reader;
    }

    public static RcuReader[] Snapshot()
    {
        lock (s_lock) return [.. s_readers];
    }

    /// <summary>
    /// Ends the section of a reader whose thread exited inside it and forgets the record. Only valid
    /// once <see cref="OwnerIsAlive"/> is false: the owner, the only other writer, can no longer run.
    /// </summary>
    public void EndAbandonedSection()
    {
        Nesting = 0;
        Volatile.Write(ref Epoch.Value, 0);
        lock (s_lock) s_readers.Remove(this);
    }
}

/// <summary>A long alone on a 64-byte line, so one reader's publishes do not slow its neighbours.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    [FieldOffset(64)] public long Value;
}
