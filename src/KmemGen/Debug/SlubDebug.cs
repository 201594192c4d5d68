namespace KmemGen.Internal;

/// <summary>
/// The slub_debug boot option as an environment variable: KMEMGEN_SLUB_DEBUG="P,Z,F" (any order, commas
/// optional) turns debugging on for every cache created afterwards. F = consistency checks, Z = red
/// zones, P = poisoning; U, T, A and O are accepted and ignored (no user tracking here); "-" means none.
/// </summary>
internal static class SlubDebug
{
    public const string EnvironmentVariable = "KMEMGEN_SLUB_DEBUG";
    public const SlabFlags DebugFlags = SlabFlags.Poison | SlabFlags.RedZone | SlabFlags.ConsistencyChecks;

    /// <summary>Read at each cache creation, so a test or host can set it before creating caches.</summary>
    public static SlabFlags FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(value)) return SlabFlags.None;
        try
        {
            return Parse(value);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{EnvironmentVariable}='{value}' is not valid: {e.Message}", e);
        }
    }

    public static SlabFlags Parse(string value)
    {
        var flags = SlabFlags.None;
        foreach (char ch in value.Trim())
        {
            switch (char.ToUpperInvariant(ch))
            {
                case 'F': flags |= SlabFlags.ConsistencyChecks; break;
                case 'Z': flags |= SlabFlags.RedZone; break;
                case 'P': flags |= SlabFlags.Poison; break;
                case 'U' or 'T' or 'A' or 'O' or ',' or ' ' or '-': break;
                default:
                    throw new ArgumentException($"unknown slub_debug option '{ch}' (use F, Z, P, e.g. \"P,Z,F\")", nameof(value));
            }
        }
        return flags;
    }
}
