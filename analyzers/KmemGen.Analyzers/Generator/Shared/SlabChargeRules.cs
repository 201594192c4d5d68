using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KmemGen.Definitions;

/// <summary>A rule a [SlabCharge] definition breaks: the diagnostic ID and its message arguments.</summary>
internal readonly struct RuleViolation(string id, params string[] arguments)
{
    public string Id { get; } = id;
    public ImmutableArray<string> Arguments { get; } = ImmutableArray.Create(arguments);
}

/// <summary>The Name, Align, Reclaimable and Shrinker arguments of one [SlabCharge] application.</summary>
internal readonly struct SlabChargeArguments(string? name, int align, bool reclaimable, string? shrinkerType)
{
    public string? Name { get; } = name;
    public int Align { get; } = align;
    public bool Reclaimable { get; } = reclaimable;

    /// <summary>The Shrinker type, global::-qualified; null for the generated LRU-backed one.</summary>
    public string? ShrinkerType { get; } = shrinkerType;
}

/// <summary>
/// What makes a [SlabCharge] definition valid. Compiled into both the generator, which emits nothing for a
/// definition that breaks a shape rule, and the definition analyzer, which reports every broken rule
/// (KMEM0901-0909): one predicate for each decision, so the two never disagree.
/// </summary>
internal static class SlabChargeRules
{
    public const string AttributeMetadataName = "KmemGen.SlabChargeAttribute";

    public const string NotPartialId = "KMEM0901";
    public const string NotUnmanagedId = "KMEM0902";
    public const string GenericId = "KMEM0903";
    public const string RefStructId = "KMEM0904";
    public const string InvalidNameId = "KMEM0905";
    public const string InvalidAlignId = "KMEM0906";
    public const string DuplicateNameId = "KMEM0907";
    public const string UnsafeNotAllowedId = "KMEM0908";
    public const string FileLocalId = "KMEM0909";

    /// <summary>
    /// The [SlabCharge] written on this declaration, or null when it carries none of its own: when two partial
    /// declarations in one file carry attributes named SlabCharge, ForAttributeWithMetadataName hands each node
    /// the attributes of the whole tree, and one of them may be another namespace's SlabCharge.
    /// </summary>
    public static AttributeData? OwnAttribute(ImmutableArray<AttributeData> attributes, TypeDeclarationSyntax declaration)
    {
        foreach (AttributeData candidate in attributes)
        {
            if (candidate.ApplicationSyntaxReference is { } reference
                && reference.SyntaxTree == declaration.SyntaxTree
                && declaration.Span.Contains(reference.Span))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// True for the first [SlabCharge] on the type. The compiler already rejects it twice on one struct (CS0579,
    /// e.g. on two partial declarations); a second one is left to that error.
    /// </summary>
    public static bool IsFirstApplication(INamedTypeSymbol type, AttributeData attribute)
    {
        foreach (AttributeData candidate in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(candidate.AttributeClass, attribute.AttributeClass))
            {
                // GetAttributes lists applications in declaration order, the same order on every run.
                return ReferenceEquals(candidate, attribute) || SameApplication(candidate, attribute);
            }
        }

        return true;
    }

    public static bool AllowsUnsafe(Compilation compilation) => compilation.Options is CSharpCompilationOptions { AllowUnsafe: true };

    /// <summary>The rules whose breach makes a generated partial uncompilable: with any of them, no code is emitted.</summary>
    public static List<RuleViolation> ShapeViolations(INamedTypeSymbol type, TypeDeclarationSyntax declaration, CancellationToken token)
    {
        var violations = new List<RuleViolation>();
        string display = DisplayName(type);

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            violations.Add(new RuleViolation(NotPartialId, display));
        }

        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!IsPartialEverywhere(outer, token))
            {
                violations.Add(new RuleViolation(NotPartialId, outer.ToDisplayString()));
            }
        }

        // A file-local type can only be extended in its own file; a partial in the generated file
        // would silently declare a second, unrelated type of the same name.
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
            {
                violations.Add(new RuleViolation(FileLocalId, t.Name));
                break;
            }
        }

        bool generic = false;
        if (type.Arity > 0)
        {
            generic = true;
            violations.Add(new RuleViolation(GenericId, display, "is generic"));
        }

        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType)
            {
                generic = true;
                violations.Add(new RuleViolation(GenericId, display, $"is nested in generic type '{outer.ToDisplayString()}'"));
                break;
            }
        }

        if (type.IsRefLikeType)
        {
            violations.Add(new RuleViolation(RefStructId, display));
        }
        else if (!generic && !type.IsUnmanagedType)
        {
            (string field, string fieldType) = FindManagedField(type);
            violations.Add(new RuleViolation(NotUnmanagedId, display, field, fieldType));
        }

        return violations;
    }

    public static SlabChargeArguments ReadArguments(AttributeData attribute)
    {
        string? name = null;
        int align = 0;
        bool reclaimable = false;
        string? shrinkerType = null;
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "Name" when argument.Value.Value is string s:
                    name = s;
                    break;
                case "Align" when argument.Value.Value is int a:
                    align = a;
                    break;
                case "Reclaimable" when argument.Value.Value is bool r:
                    reclaimable = r;
                    break;
                case "Shrinker" when argument.Value.Value is INamedTypeSymbol shrinker:
                    shrinkerType = shrinker.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                    break;
            }
        }

        return new SlabChargeArguments(name, align, reclaimable, shrinkerType);
    }

    /// <summary>The cache's name: the explicit Name, or the type's name in snake_case.</summary>
    public static string CacheName(INamedTypeSymbol type, SlabChargeArguments arguments) => arguments.Name ?? CacheNames.ToSnakeCase(type.Name);

    /// <summary>Null when <paramref name="align"/> is usable; otherwise what is wrong with it.</summary>
    public static string? ValidateAlign(int align) => align switch
    {
        < 0 => "it is negative",
        0 => null,
        > 4096 => "it is larger than a 4096-byte page",
        _ when (align & (align - 1)) != 0 => "it is not a power of two",
        _ => null,
    };

    /// <summary>The type as messages show it: namespace and type names joined by '.', with type parameters when generic.</summary>
    public static string DisplayName(INamedTypeSymbol type)
    {
        bool generic = false;
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            generic |= t.Arity > 0;
        }

        return generic ? type.ToDisplayString() : DottedName(type);
    }

    /// <summary>Namespace and type names joined by '.', unescaped and without type parameters.</summary>
    public static string DottedName(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            parts.Add(t.Name);
        }

        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Add(ns.Name);
        }

        parts.Reverse();
        return string.Join(".", parts);
    }

    private static bool SameApplication(AttributeData a, AttributeData b) =>
        a.ApplicationSyntaxReference is { } x
        && b.ApplicationSyntaxReference is { } y
        && x.SyntaxTree == y.SyntaxTree
        && x.Span == y.Span;

    private static bool IsPartialEverywhere(INamedTypeSymbol type, CancellationToken token)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(token) is TypeDeclarationSyntax syntax && !syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }
        }

        return true;
    }

    private static (string Field, string Type) FindManagedField(INamedTypeSymbol type)
    {
        foreach (IFieldSymbol field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.IsStatic || field.IsConst || field.Type.IsUnmanagedType)
            {
                continue;
            }

            // An auto-property's backing field is reported under the property's name, the one
            // the user wrote.
            string name = field.AssociatedSymbol?.Name ?? field.Name;
            return (name, field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
        }

        return ("?", "?");
    }
}
