using System.Runtime.InteropServices;
using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// One thread's RCU reader state: the nesting depth (touched only by the owner) and the published
/// epoch (written by the owner, read by Synchronize). Registered once per thread; records of exited
/// threads are dropped at the next registration or snapshot.
/// </summary>
internal sealed class RcuReader
{
    private static readonly object s_lock = new();
    private static readonly List<RcuReader> s_readers = [];

    private readonly Thread _thread = Thread.CurrentThread;

    /// <summary>The epoch at entry to the outermost section, 0 outside; padded to its own cache line.</summary>
    public PaddedLong Epoch;
    public int Nesting;

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
}

/// <summary>A long alone on a 64-byte line, so one reader's publishes do not slow its neighbours.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    [FieldOffset(64)] public long Value;
}
