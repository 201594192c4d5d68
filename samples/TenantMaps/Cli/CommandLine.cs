using System.Globalization;

namespace KmemGen.Samples.TenantMaps.Cli;

/// <summary>The parsed command line: options to run with, or help to show.</summary>
public sealed record CommandLine(SampleOptions Options, bool ShowHelp)
{
    public const string HelpText =
        """
        TenantMaps: a multi-tenant, BPF-like map service whose native memory is bounded per tenant
        by KmemGen memory cgroups. Every tenant gets a cgroup /tenants/tenant-N with memory.max set;
        its maps are charged to it even though updates run on shared worker threads. The last tenant
        floods its maps until its cgroup refuses (MemCgroupLimitExceededException); the others keep
        working. Ends with a per-tenant table (usage, max, peak, failcnt, events, slab) and slabinfo.

        Usage: dotnet run --project samples/TenantMaps -- [options]

        Options:
          --tenants <n>     number of tenants, 2..64; the last one floods (default 4)
          --duration <t>    how long to run: 5s, 500ms, 1m or plain seconds (default 5s)
          --limit <size>    memory.max of each tenant, cgroup v2 syntax: 4M, 512K, 1G, max (default 4M)
          --workers <n>     shared worker threads running every tenant's updates, 1..64 (default 2)
          --seed <n>        seed of the tenants' random workloads (default 1)
          --json            print the final state as JSON on stdout (no live view, no tables)
          --no-live         no live view while running
          -h, --help        show this help

        The live view redraws a table a few times per second on a terminal and prints one line per
        second when output is redirected. Metrics: the Meter "KmemGen" (see docs/metrics.md), e.g.
          dotnet-counters monitor --counters KmemGen -n TenantMaps

        Exit codes: 0 contained, 1 not contained (another tenant lost an update), 2 bad arguments,
        3 not tested (nothing was refused, e.g. with --limit max).
        """;

    /// <summary>Parses <paramref name="args"/>; "--name value" and "--name=value" both work.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing or malformed value, or a value out of range; the message names it.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var options = new SampleOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inline = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }

            switch (name)
            {
                case "-h" or "--help" or "-?":
                    return new CommandLine(options, ShowHelp: true);
                case "--json":
                    options = options with { Json = true };
                    break;
                case "--no-live":
                    options = options with { NoLive = true };
                    break;
                case "--tenants":
                    options = options with { Tenants = Int(name, Value(args, ref i, name, inline)) };
                    break;
                case "--workers":
                    options = options with { Workers = Int(name, Value(args, ref i, name, inline)) };
                    break;
                case "--seed":
                    options = options with { Seed = Int(name, Value(args, ref i, name, inline)) };
                    break;
                case "--duration":
                    options = options with { Duration = Duration(name, Value(args, ref i, name, inline)) };
                    break;
                case "--limit":
                    options = options with { Limit = Value(args, ref i, name, inline) };
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{arg}'. See --help.", nameof(args));
            }
        }

        options.Validate();
        return new CommandLine(options, ShowHelp: false);
    }

    /// <summary>"5s", "500ms", "1m", "2.5" (seconds).</summary>
    public static TimeSpan Duration(string option, string text)
    {
        string t = text.Trim();
        (string number, double scale) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (t[..^2], 0.001),
            _ when t.EndsWith('s') || t.EndsWith('S') => (t[..^1], 1.0),
            _ when t.EndsWith('m') || t.EndsWith('M') => (t[..^1], 60.0),
            _ => (t, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || double.IsInfinity(value * scale))
        {
            throw new ArgumentException($"{option} '{text}' is not a duration: use 5s, 500ms, 1m or plain seconds.", option);
        }

        double seconds = value * scale;
        if (seconds <= 0 || seconds > SampleOptions.MaxDuration.TotalSeconds)
        {
            throw new ArgumentException($"{option} '{text}' is invalid: expected above 0 and at most {SampleOptions.MaxDuration.TotalMinutes:0} minutes.", option);
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string name, string? inline)
    {
        if (inline is not null)
        {
            return inline;
        }

        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{name} needs a value. See --help.", name);
        }

        return args[++i];
    }

    private static int Int(string name, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"{name} '{text}' is not a whole number.", name);
}
