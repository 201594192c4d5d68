using System.Text;

namespace KmemGen.Definitions;

/// <summary>Cache names: the default derived from the type name, and the rule for explicit ones.</summary>
internal static class CacheNames
{
    /// <summary>
    /// KMEM_CACHE(task_struct, ...) names the cache after the struct ("task_struct"); C# types are
    /// PascalCase, so the C# spelling of the same convention is snake_case: TaskStruct -> task_struct,
    /// HTTPRequest -> http_request, Ipv4Header -> ipv4_header.
    /// </summary>
    public static string ToSnakeCase(string typeName)
    {
        var builder = new StringBuilder(typeName.Length + 8);
        for (int i = 0; i < typeName.Length; i++)
        {
            char c = typeName[i];
            if (c == '@' && i == 0)
            {
                continue;
            }

            if (char.IsUpper(c))
            {
                bool previousIsLowerOrDigit = i > 0 && (char.IsLower(typeName[i - 1]) || char.IsDigit(typeName[i - 1]));
                bool acronymEnds = i > 0 && char.IsUpper(typeName[i - 1]) && i + 1 < typeName.Length && char.IsLower(typeName[i + 1]);
                if (builder.Length > 0 && builder[builder.Length - 1] != '_' && (previousIsLowerOrDigit || acronymEnds))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Null when <paramref name="name"/> is a valid cache name; otherwise what is wrong with it.
    /// Allowed: ASCII letters, digits, '_', '-', ':' and '.', the characters /proc/slabinfo names use.
    /// </summary>
    public static string? Validate(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty";
        }

        if (string.IsNullOrWhiteSpace(name))
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

    private static bool IsAllowed(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '-' or ':' or '.';
}
