using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using KmemGen.Benchmarks.Baselines;
using KmemGen.Benchmarks.Workloads;

namespace KmemGen.Benchmarks.Memory;

/// <summary>
/// <c>--memory</c>: resident bytes per live byte for every allocator, and the owner record's resident
/// cost (accounted minus unaccounted, per object). Every figure comes from fresh child processes
/// (<c>--memory-probe KIND SIZE LIVE</c>, see <see cref="ResidentProbe"/>), the median of
/// <see cref="MemoryOptions.Repeat"/>; results are printed as Markdown tables.
/// </summary>
internal static class MemoryMode
{
    public const string Flag = "--memory";
    public const string ProbeFlag = "--memory-probe";

    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(MemoryOptions.Usage);
            return 0;
        }
        MemoryOptions options;
        try { options = MemoryOptions.Parse(args); }
        catch (UsageException e) { return UsageError(e.Message + "\n" + MemoryOptions.Usage); }

        Console.WriteLine($"Resident memory per live byte, {options.Live:N0} live objects, median of {options.Repeat} fresh processes:");
        Console.WriteLine();
        Console.WriteLine("| allocator | object size | live bytes | RSS growth | reserved / live |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (int size in options.Sizes)
        {
            foreach (AllocatorKind kind in options.Allocators)
            {
                long live = (long)options.Live * size;
                string row = Growth(kind, size, options.Live, options.Repeat) is { } growth
                    ? $"{growth:N0} | {(double)growth / live:F3}"
                    : "skipped (see above) | -";
                Console.WriteLine($"| {kind} | {size} | {live:N0} | {row} |");
            }
        }

        if (options.OwnerLive == 0) return 0;
        Console.WriteLine();
        Console.WriteLine($"Owner record, resident bytes per object: accounted minus unaccounted, {options.OwnerLive:N0} live objects:");
        Console.WriteLine();
        Console.WriteLine("| pair | object size | unaccounted growth | accounted growth | bytes per object |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        (AllocatorKind Plain, AllocatorKind Accounted)[] pairs =
            [(AllocatorKind.SlabCache, AllocatorKind.SlabCacheAccounted), (AllocatorKind.Kmalloc, AllocatorKind.KmallocAccount)];
        foreach (int size in options.Sizes)
        {
            foreach (var (plain, accounted) in pairs)
            {
                long? p = Growth(plain, size, options.OwnerLive, options.Repeat);
                long? a = Growth(accounted, size, options.OwnerLive, options.Repeat);
                string perObject = p is null || a is null ? "-" : ((double)(a.Value - p.Value) / options.OwnerLive).ToString("F2", CultureInfo.InvariantCulture);
                Console.WriteLine($"| {accounted} - {plain} | {size} | {p:N0} | {a:N0} | {perObject} |");
            }
        }

        return 0;
    }

    /// <summary>The child side: <c>--memory-probe KIND SIZE LIVE</c>.</summary>
    public static int RunProbe(IReadOnlyList<string> args)
    {
        try
        {
            if (args.Count != 4) throw new UsageException($"usage: {ProbeFlag} KIND SIZE LIVE");
            AllocatorKind kind = MemoryOptions.Kind(ProbeFlag, args[1]);
            int size = MemoryOptions.Size(ProbeFlag, args[2]);
            int live = MemoryOptions.Count(ProbeFlag, args[3], min: 1);
            ResidentProbe.Run(kind, size, live);
            return 0;
        }
        catch (UsageException e) { return UsageError(e.Message); }
        catch (NotSupportedException e)
        {
            // An allocator library that is not installed: the parent reports the row as skipped.
            Console.Error.WriteLine(e.Message);
            return 3;
        }
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    // The median growth over fresh processes, or null (with the child's message printed) when it failed.
    private static long? Growth(AllocatorKind kind, int size, int live, int repeat)
    {
        var growths = new List<long>();
        for (int i = 0; i < repeat; i++)
        {
            (int exit, string output, string error) = RunChild([ProbeFlag, kind.ToString(), size.ToString(CultureInfo.InvariantCulture), live.ToString(CultureInfo.InvariantCulture)]);
            string? result = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResidentProbe.ResultPrefix, StringComparison.Ordinal));
            if (exit != 0 || result is null)
            {
                string why = (error + output).Trim().Split('\n').FirstOrDefault(l => l.Length > 0) ?? $"exit code {exit}";
                Console.WriteLine($"// {kind} at {size} B: {why}");
                return null;
            }
            long[] rss = result[ResidentProbe.ResultPrefix.Length..].Split(' ').Select(long.Parse).ToArray();
            growths.Add(rss[1] - rss[0]);
        }
        growths.Sort();
        return growths[growths.Count / 2];
    }

    // args: the probe flag, the kind, the size, the live count.
    private static (int Exit, string Output, string Error) RunChild(string[] args)
    {
        // Run the same program again: through its apphost, or through the dotnet host with our assembly.
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process is unknown");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (string a in args) start.ArgumentList.Add(a);
        // Fully optimized code from the first call: no tier-up or on-stack replacement compiling (and
        // allocating code memory) in the middle of the measured allocation loop.
        start.Environment["DOTNET_TieredCompilation"] = "0";
        if (args[1] == nameof(AllocatorKind.Jemalloc))
        {
            string[] tunable = NativeMallocLibrary.StaticTlsTunable.Split('=', 2);
            start.Environment[tunable[0]] = tunable[1];
        }
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        return (child.ExitCode, output, error.Result);
    }
}
