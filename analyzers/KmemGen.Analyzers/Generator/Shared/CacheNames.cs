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
    /// Null when <paramref name="name"/> is a valid cache name; otherwise what is wrong with it. The rule
    /// is the runtime's own (SlabCacheNameRule.cs, linked into this assembly): SlabCache.Create refuses
    /// exactly the names KMEM0905 reports.
    /// </summary>
    public static string? Validate(string name) => SlabCacheNameRule.Validate(name);
}
