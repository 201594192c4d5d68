using System.Reflection;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Common;

internal static class Descriptors
{
    /// <summary>The directory of the rule pages, from the build's KmemGenHelpLinkBase (see Directory.Build.props).</summary>
    public static string HelpLinkBase { get; } =
        typeof(Descriptors).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "KmemGen.HelpLinkBase")?.Value ?? "";

    /// <summary>The rule page of <paramref name="id"/>: <c>&lt;base&gt;&lt;id&gt;.md</c>; null when the build gave no base.</summary>
    public static string? HelpLink(string id) => HelpLinkBase.Length == 0 ? null : HelpLinkBase + id + ".md";

    public static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, string description, params string[] tags)
        => new(id, title, message, category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpLink(id), customTags: tags);
}
