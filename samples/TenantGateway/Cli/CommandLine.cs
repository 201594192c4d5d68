using System.Globalization;
using System.Text.RegularExpressions;

namespace KmemGen.Samples.TenantGateway.Cli;

/// <summary>Parses the flags into <see cref="GatewayOptions"/>; anything wrong is an ArgumentException naming the flag and the value.</summary>
public sealed partial class CommandLine
{
    public const string HelpText = """
        TenantGateway: a Kestrel service on 127.0.0.1 with one port per tenant, each tenant's connection
        buffers charged to its own memory cgroup (KmemGen.AspNetCore), and a bounded load driver.

        usage: dotnet run --project samples/TenantGateway -- [options]

          --mode flood|compare     flood (default): one tenant floods large uploads and slow reads while the
                                   others send normal traffic; exit 0 only if the flood was contained and
                                   the others were all served. compare: normal traffic only, KmemGen's pools
                                   against ASP.NET Core's default pool, alternating, same load.
          --tenants N              tenants sending normal traffic (default 2; 1..8)
          --requests N             requests per normal tenant (per round in compare; default 2000)
          --concurrency N          concurrent requests per normal tenant (default 4; 1..64)
          --time-limit D           stop the whole run after D (default 60s; e.g. 1500ms, 30s, 2m)
          --limit SIZE             memory.max of each tenant's cgroup (default 8M; cgroup v2 syntax)
          --flood-connections N    the flooding tenant's uploading connections (default 24; 1..256)
          --upload-size SIZE       bytes per flood upload (default 4M)
          --slow-readers N         the flooding tenant's slow downloads (default 4; 0..64)
          --rounds N               compare: measured rounds of both pools (default 3; 1..20)
          --cgroup NAME            the parent cgroup under the root (default gateway)
          --calibrate              compare: the default pool on both sides (what noise alone makes of the ratio)
          --live                   print each tenant's pool usage every second
          --help                   this text
        """;

    private CommandLine(GatewayOptions options, bool showHelp)
    {
        Options = options;
        ShowHelp = showHelp;
    }

    public GatewayOptions Options { get; }

    public bool ShowHelp { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var o = new GatewayOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            switch (flag)
            {
                case "--help" or "-h":
                    return new CommandLine(o, showHelp: true);
                case "--live":
                    o = o with { Live = true };
                    continue;
                case "--calibrate":
                    o = o with { Calibrate = true };
                    continue;
            }

            if (i + 1 >= args.Count) throw new ArgumentException($"{flag} needs a value (see --help).");
            string value = args[++i];
            o = flag switch
            {
                "--mode" => o with { Mode = Mode(value) },
                "--tenants" => o with { NormalTenants = Count(flag, value, 1, 8) },
                "--requests" => o with { Requests = Count(flag, value, 1, 10_000_000) },
                "--concurrency" => o with { Concurrency = Count(flag, value, 1, 64) },
                "--time-limit" => o with { TimeLimit = Duration(flag, value) },
                "--limit" => o with { TenantLimit = Size(flag, value) },
                "--flood-connections" => o with { FloodConnections = Count(flag, value, 1, 256) },
                "--upload-size" => o with { UploadBytes = ParseSize(flag, Size(flag, value)) },
                "--slow-readers" => o with { SlowReaders = Count(flag, value, 0, 64) },
                "--rounds" => o with { Rounds = Count(flag, value, 1, 20) },
                "--cgroup" => o with { CgroupName = value },
                _ => throw new ArgumentException($"unknown option '{flag}' (see --help)."),
            };
        }
        return new CommandLine(o, showHelp: false);
    }

    private static RunMode Mode(string value) => value switch
    {
        "flood" => RunMode.Flood,
        "compare" => RunMode.Compare,
        _ => throw new ArgumentException($"--mode '{value}' is not 'flood' or 'compare'."),
    };

    private static int Count(string flag, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new ArgumentException($"{flag} '{value}' is not a whole number.");
        if (n < min || n > max) throw new ArgumentException($"{flag} {n} is outside {min}..{max}.");
        return n;
    }

    private static TimeSpan Duration(string flag, string value)
    {
        Match m = DurationPattern().Match(value);
        if (!m.Success) throw new ArgumentException($"{flag} '{value}' is not a duration (e.g. 1500ms, 30s, 2m).");
        double n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        TimeSpan d = m.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "s" => TimeSpan.FromSeconds(n),
            _ => TimeSpan.FromMinutes(n),
        };
        if (d <= TimeSpan.Zero || d > TimeSpan.FromHours(1)) throw new ArgumentException($"{flag} '{value}' must be more than 0 and at most 1 hour.");
        return d;
    }

    /// <summary>A size in cgroup v2 syntax: digits and an optional K/M/G suffix (checked again where the cgroup reads it).</summary>
    private static string Size(string flag, string value)
    {
        if (!SizePattern().IsMatch(value)) throw new ArgumentException($"{flag} '{value}' is not a size (digits with an optional K, M or G, e.g. 4M).");
        return value;
    }

    private static long ParseSize(string flag, string value)
    {
        long unit = char.ToUpperInvariant(value[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        string digits = unit == 1 ? value : value[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < 1 || n > (1L << 40) / unit)
            throw new ArgumentException($"{flag} '{value}' must be 1 byte to 1T.");
        return n * unit;
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m)$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\d+[KMGkmg]?$")]
    private static partial Regex SizePattern();
}
