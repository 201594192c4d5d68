namespace KmemGen.Benchmarks.Memory;

/// <summary>The process's resident memory from /proc/self/status (Linux), in bytes.</summary>
internal static class ResidentSetSize
{
    /// <summary>VmRSS: every resident page of the process (anonymous, file-backed and shared).</summary>
    public static long Current() => Read("VmRSS:");

    private static long Read(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) throw new PlatformNotSupportedException($"{status} is missing: the memory measurement needs Linux");
        foreach (string line in File.ReadLines(status))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            // "VmRSS:     12345 kB"
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[1]) * 1024;
        }
        throw new FormatException($"{status} has no {field} line");
    }
}
