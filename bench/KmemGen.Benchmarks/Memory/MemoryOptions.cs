using System.Globalization;
using KmemGen.Benchmarks.Workloads;

namespace KmemGen.Benchmarks.Memory;

/// <summary>The options of <c>--memory</c>; <see cref="Parse"/> throws <see cref="UsageException"/> naming what was wrong.</summary>
internal sealed record MemoryOptions(int Live, int OwnerLive, int[] Sizes, AllocatorKind[] Allocators, int Repeat)
{
    public const string Usage =
        "usage: --memory [--live N] [--owner-live N] [--sizes 64,256] [--allocators SlabCache,Mimalloc,...] [--repeat N]\n" +
        "  --live N         live objects for the reserved-per-live-byte table (default 100000)\n" +
        "  --owner-live N   live objects for the owner-record table, accounted minus unaccounted (default 1000000; 0 skips it)\n" +
        "  --sizes LIST     object sizes in bytes, 8..65536 (default 64,256)\n" +
        "  --allocators L   allocator kinds (default all): " + "SlabCache, SlabCacheAccounted, Kmalloc, KmallocAccount, Mimalloc, Jemalloc, Glibc, BareList\n" +
        "  --repeat N       fresh processes per figure; the median is reported (default 3)";

    public static MemoryOptions Parse(IReadOnlyList<string> args)
    {
        var options = new MemoryOptions(100_000, 1_000_000, [64, 256], Enum.GetValues<AllocatorKind>(), 3);
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            if (flag == "--memory") continue;
            string value = i + 1 < args.Count ? args[++i] : throw new UsageException($"option '{flag}' needs a value");
            options = flag switch
            {
                "--live" => options with { Live = Count(flag, value, min: 1) },
                "--owner-live" => options with { OwnerLive = Count(flag, value, min: 0) },
                "--sizes" => options with { Sizes = value.Split(',').Select(s => Size(flag, s)).ToArray() },
                "--allocators" => options with { Allocators = value.Split(',').Select(s => Kind(flag, s)).ToArray() },
                "--repeat" => options with { Repeat = Count(flag, value, min: 1) },
                _ => throw new UsageException(
                    $"unknown option '{flag}' for --memory (for BenchmarkDotNet's own --memory diagnoser, put --filter first)"),
            };
        }
        return options;
    }

    public static int Count(string flag, string value, int min)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min)
            throw new UsageException($"option '{flag}' takes a whole number of at least {min}; got '{value}'");
        return n;
    }

    public static int Size(string flag, string value)
    {
        int size = Count(flag, value.Trim(), min: 8);
        if (size > 65536) throw new UsageException($"option '{flag}': object size {size} is above 65536 bytes");
        return size;
    }

    public static AllocatorKind Kind(string flag, string value) =>
        AllocatorKinds.Parse(value.Trim()) ?? throw new UsageException(
            $"option '{flag}': '{value}' is not an allocator kind (known: {string.Join(", ", Enum.GetNames<AllocatorKind>())})");
}

/// <summary>A bad command line: the message says what was wrong; the program exits with 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
