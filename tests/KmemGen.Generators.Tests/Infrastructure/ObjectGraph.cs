using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace KmemGen.Generators.Tests.Infrastructure;

/// <summary>
/// Walks an object graph by reflection and reports any Roslyn object that would root a
/// compilation in the incremental cache (NetEscapades.EnumGenerators' AssertObjectGraph).
/// </summary>
internal static class ObjectGraph
{
    private static readonly Type[] s_banned =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(Location), typeof(SyntaxTree), typeof(SemanticModel),
    };

    /// <summary>The path to every banned object reachable from <paramref name="root"/> ("" when clean).</summary>
    public static IReadOnlyList<string> FindBanned(object? root, string rootName)
    {
        var found = new List<string>();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Visit(root, rootName, visited, found);
        return found;
    }

    private static void Visit(object? node, string path, HashSet<object> visited, List<string> found)
    {
        if (node is null)
        {
            return;
        }

        Type type = node.GetType();
        if (s_banned.FirstOrDefault(b => b.IsAssignableFrom(type)) is { } banned)
        {
            found.Add($"{path}: {type.Name} is a {banned.Name}");
            return;
        }

        if (type.IsPrimitive || type.IsEnum || node is string || node is decimal || type.IsPointer)
        {
            return;
        }

        if (!type.IsValueType && !visited.Add(node))
        {
            return;
        }

        if (node is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                Visit(item, $"{path}[{i++}]", visited, found);
            }
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                {
                    continue;
                }

                Visit(field.GetValue(node), $"{path}.{field.Name}", visited, found);
            }
        }
    }
}
