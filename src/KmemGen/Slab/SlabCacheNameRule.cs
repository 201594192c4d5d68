// This file is compiled into the runtime (SlabCache.Create) and linked into the [SlabCharge]
// generator (KMEM0905), so a name is judged by one rule at run time and at compile time. It must
// therefore build for netstandard2.0 as well as net10.0, and depend on nothing else in either.
namespace KmemGen;

/// <summary>
/// What a slab cache may be called: ASCII letters, digits, '_', '-', ':' and '.', the characters
/// /proc/slabinfo names use. Anything else (white space above all) would break the slabinfo format,
/// whose fields are separated by spaces.
/// </summary>
internal static class SlabCacheNameRule
{
    /// <summary>The advice every rejection ends with.</summary>
    public const string Allowed = "use a non-empty name of letters, digits, '_', '-', ':' or '.'";

    /// <summary>Null when <paramref name="name"/> is a valid cache name; otherwise what is wrong with it.</summary>
    public static string? Validate(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty";
        }

        bool onlyWhiteSpace = true;
        foreach (char c in name)
        {
            onlyWhiteSpace &= char.IsWhiteSpace(c);
        }

        if (onlyWhiteSpace)
        {
            return "it is only whitespace";
        }

        foreach (char c in name)
        {
            if (!IsAllowed(c))
            {
                return char.IsWhiteSpace(c) || char.IsControl(c)
                    ? $"it contains the character U+{(int)c:X4}"
                    : $"it contains the character '{c}'";
            }
        }

        return null;
    }

    /// <summary>SlabCache.Create's check: ArgumentNullException or an ArgumentException naming the name and what is wrong.</summary>
    public static void ThrowIfInvalid(string name)
    {
        if (name is null)
        {
            throw new ArgumentNullException(nameof(name), "A slab cache needs a name.");
        }

        if (Validate(name) is { } problem)
        {
            throw new ArgumentException($"Slab cache name \"{Escape(name)}\" is invalid: {problem}; {Allowed}.", nameof(name));
        }
    }

    private static bool IsAllowed(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '-' or ':' or '.';

    /// <summary>The name with control characters and white space other than ' ' escaped, so a message shows them.</summary>
    private static string Escape(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 8);
        foreach (char c in name)
        {
            if (char.IsControl(c) || (char.IsWhiteSpace(c) && c != ' '))
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
