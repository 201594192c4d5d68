using System.Globalization;
using System.Text;
using KmemGen.Internal;

namespace KmemGen;

public sealed partial class MemCgroup
{
    /// <summary>The control files <see cref="ReadFile"/> knows, in the kernel's memory_files[] order.</summary>
    public static IReadOnlyList<string> ControlFiles { get; } =
    [
        "memory.current", "memory.min", "memory.low", "memory.high", "memory.max",
        "memory.peak", "memory.events", "memory.events.local", "memory.stat",
    ];

    /// <summary>The write-only control files <see cref="WriteFile"/> also knows.</summary>
    public static IReadOnlyList<string> WriteOnlyControlFiles { get; } = ["memory.reclaim"];

    /// <summary>
    /// Reads a control file as the kernel prints it: numbers and limits one per line ("max" for no limit),
    /// memory.events as "name value" lines (low, high, max, oom, oom_kill), memory.stat as "name value"
    /// lines (kernel, percpu, vmalloc, slab_reclaimable, slab_unreclaimable, slab in bytes, then the
    /// reclaim counters pgscan and pgsteal in objects). ArgumentException for a file that does not exist
    /// or is write-only.
    /// </summary>
    public string ReadFile(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "memory.current" => Line(Usage),
            "memory.min" => Memparse.FormatLimit(Min),
            "memory.low" => Memparse.FormatLimit(Low),
            "memory.high" => Memparse.FormatLimit(High),
            "memory.max" => Memparse.FormatLimit(Max),
            "memory.peak" => Line(Peak),
            "memory.events" => FormatEvents(Events),
            "memory.events.local" => FormatEvents(EventsLocal),
            "memory.stat" => FormatStat(Stat),
            "memory.reclaim" => throw new ArgumentException($"memory.reclaim of {Path} is write-only: write a byte count to reclaim it.", nameof(name)),
            _ => throw UnknownFile(name),
        };
    }

    /// <summary>
    /// Writes a control file with cgroup v2 syntax. memory.max, memory.high, memory.min and memory.low take
    /// "max" or a byte count (decimal, 0x hex or leading-0 octal, one optional K/M/G/T/P/E suffix in either
    /// case, surrounding whitespace ignored); memory.peak takes any non-empty string and resets the peak to
    /// the current usage (for every reader: KmemGen has no per-open-file state); memory.reclaim takes a byte
    /// count (same syntax, "max" refused) and reclaims that much from the subtree, throwing
    /// <see cref="MemoryReclaimIncompleteException"/> (the kernel's EAGAIN) when it cannot (see
    /// <see cref="TryReclaim"/>). Malformed values, unknown and read-only files throw ArgumentException naming
    /// the file and value, and change nothing; the root's limits and a removed cgroup's files throw
    /// InvalidOperationException.
    /// </summary>
    public void WriteFile(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        switch (name)
        {
            case "memory.max": SetMax(ParseLimit(name, value), name); break;
            case "memory.high": SetHigh(ParseLimit(name, value), name); break;
            case "memory.min": Min = ParseLimit(name, value); break;
            case "memory.low": Low = ParseLimit(name, value); break;
            case "memory.reclaim": WriteReclaim(name, value); break;
            case "memory.peak":
                if (value.Length == 0)
                    throw new ArgumentException($"Invalid value '' for {name} of {Path}: write any non-empty string to reset the peak.", nameof(value));
                CheckWritable(name, 0);
                Counter.ResetWatermark();
                break;
            case "memory.current" or "memory.events" or "memory.events.local" or "memory.stat":
                throw new ArgumentException($"{name} of {Path} is read-only (writing '{value}').", nameof(name));
            default:
                throw UnknownFile(name, value);
        }
    }

    private long ParseLimit(string file, string value)
    {
        if (!Memparse.TryParseLimit(value, out long bytes))
        {
            throw new ArgumentException(
                $"Invalid value '{value}' for {file} of {Path}: expected \"max\" or a byte count with an optional K/M/G/T/P/E suffix.",
                nameof(value));
        }

        return bytes;
    }

    private ArgumentException UnknownFile(string name, string? value = null) =>
        new($"{Path} has no control file '{name}'{(value is null ? "" : $" (write of '{value}' refused)")}; known files: {string.Join(", ", ControlFiles.Concat(WriteOnlyControlFiles))}.", nameof(name));

    private static string Line(long value) => value.ToString(CultureInfo.InvariantCulture) + "\n";

    private static string FormatEvents(MemoryEvents events)
    {
        var text = new StringBuilder();
        Append(text, "low", events.Low);
        Append(text, "high", events.High);
        Append(text, "max", events.Max);
        Append(text, "oom", events.Oom);
        Append(text, "oom_kill", events.OomKill);
        return text.ToString();
    }

    // memory_stat_format: memory_stats[] order, "slab" printed right after slab_unreclaimable.
    private static string FormatStat(MemoryStat stat)
    {
        var text = new StringBuilder();
        Append(text, "kernel", stat.Kernel);
        Append(text, "percpu", stat.Percpu);
        Append(text, "vmalloc", stat.Vmalloc);
        Append(text, "slab_reclaimable", stat.SlabReclaimable);
        Append(text, "slab_unreclaimable", stat.SlabUnreclaimable);
        Append(text, "slab", stat.Slab);
        // The vm event counters follow the byte counters, as in memcg_stat_format.
        Append(text, "pgscan", stat.Pgscan);
        Append(text, "pgsteal", stat.Pgsteal);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string key, long value) =>
        text.Append(key).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
