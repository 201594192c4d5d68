using Microsoft.Win32.SafeHandles;

namespace KmemGen.Benchmarks.Memory;

/// <summary>
/// The process's resident set from /proc/self/statm (Linux), in bytes. A reading allocates nothing
/// (the file stays open, the buffer is reused), so taking it does not itself grow the set: a reading
/// through File.ReadLines right after a GC touched fresh heap pages and added about 400 KiB.
/// </summary>
internal sealed class ResidentSetSize : IDisposable
{
    private const string Statm = "/proc/self/statm";
    private readonly SafeFileHandle _statm;
    private readonly byte[] _buffer = new byte[256];

    public ResidentSetSize()
    {
        if (!File.Exists(Statm)) throw new PlatformNotSupportedException($"{Statm} is missing: the memory measurement needs Linux");
        _statm = File.OpenHandle(Statm);
        Current();
    }

    /// <summary>statm's second field: resident pages (anonymous and file-backed), times the page size.</summary>
    public long Current()
    {
        int length = RandomAccess.Read(_statm, _buffer, fileOffset: 0);
        int i = 0;
        while (i < length && _buffer[i] != ' ') i++;
        long pages = 0;
        for (i++; i < length && _buffer[i] is >= (byte)'0' and <= (byte)'9'; i++) pages = pages * 10 + (_buffer[i] - '0');
        if (pages == 0) throw new FormatException($"{Statm} has no resident page count");
        return pages * Environment.SystemPageSize;
    }

    public void Dispose() => _statm.Dispose();
}
