using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Common;

internal static class SymbolExtensions
{
    public static bool HasAttribute(this ISymbol? symbol, INamedTypeSymbol? attribute)
    {
        if (symbol is null || attribute is null) return false;
        foreach (var data in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute)) return true;
        }
        return false;
    }

    public static AttributeData? GetAttribute(this ISymbol? symbol, INamedTypeSymbol? attribute)
    {
        if (symbol is null || attribute is null) return null;
        foreach (var data in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute)) return data;
        }
        return null;
    }

    /// <summary>
    /// An attribute on a property counts for its accessors too, and one on an accessor for the property:
    /// the DESIGN allows annotations on either (e.g. [RcuProtected] on a property, [MightSleep] on a getter).
    /// </summary>
    public static bool HasAttributeOrOnAssociated(this ISymbol? symbol, INamedTypeSymbol? attribute)
        => symbol.HasAttribute(attribute)
           || (symbol is IMethodSymbol { AssociatedSymbol: { } associated } && associated.HasAttribute(attribute));

    /// <summary>True when <paramref name="type"/> is <paramref name="candidate"/> or a constructed form of it.</summary>
    public static bool IsType(this ITypeSymbol? type, INamedTypeSymbol? candidate)
        => type is not null && candidate is not null
           && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, candidate);

    public static bool IsInNamespace(this ISymbol symbol, string rootNamespace)
    {
        for (var ns = symbol.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            if (ns.ContainingNamespace is { IsGlobalNamespace: true } && ns.Name == rootNamespace) return true;
        }
        return false;
    }
}
