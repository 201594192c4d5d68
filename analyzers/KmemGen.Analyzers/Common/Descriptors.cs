using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Common;

internal static class Descriptors
{
    public static string HelpLink(string id) => string.Format(System.Globalization.CultureInfo.InvariantCulture, DiagnosticIds.HelpLinkFormat, id);

    public static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, string description, params string[] tags)
        => new(id, title, message, category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpLink(id), customTags: tags);
}
