using System.Collections.Concurrent;
using System.Collections.Immutable;
using KmemGen.Definitions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Generator;

/// <summary>
/// Reports [SlabCharge] definitions the generator cannot make work (KMEM0901-0909). The checks are the
/// generator's own (<see cref="SlabChargeRules"/>), run here rather than in the generator so the generator's
/// pipeline stays free of diagnostics and of the Compilation, and so #pragma, [SuppressMessage] and
/// severity configuration apply as to any analyzer.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SlabChargeDefinitionAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, DiagnosticDescriptor> s_byId = new[]
    {
        SlabChargeDescriptors.NotPartial, SlabChargeDescriptors.NotUnmanaged, SlabChargeDescriptors.Generic,
        SlabChargeDescriptors.RefStruct, SlabChargeDescriptors.InvalidName, SlabChargeDescriptors.InvalidAlign,
        SlabChargeDescriptors.DuplicateName, SlabChargeDescriptors.UnsafeNotAllowed, SlabChargeDescriptors.FileLocal,
    }.ToImmutableDictionary(d => d.Id, StringComparer.Ordinal);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = s_byId.Values.OrderBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(SlabChargeRules.AttributeMetadataName) is not { } attributeType)
            {
                return;
            }

            bool allowsUnsafe = SlabChargeRules.AllowsUnsafe(start.Compilation);
            var claims = new ConcurrentBag<CacheNameClaim>();
            start.RegisterSymbolAction(c => AnalyzeType(c, attributeType, allowsUnsafe, claims), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(c => ReportDuplicateNames(c, claims));
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol attributeType, bool allowsUnsafe, ConcurrentBag<CacheNameClaim> claims)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Struct
            || type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeType)) is not { } attribute
            || attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax attributeSyntax
            || attributeSyntax.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration)
        {
            // A class is the compiler's CS0592; a second application is its CS0579.
            return;
        }

        string display = SlabChargeRules.DisplayName(type);
        Location typeLocation = declaration.Identifier.GetLocation();
        Location attributeLocation = attributeSyntax.GetLocation();

        foreach (RuleViolation violation in SlabChargeRules.ShapeViolations(type, declaration, context.CancellationToken))
        {
            Report(context.ReportDiagnostic, violation.Id, typeLocation, violation.Arguments);
        }

        if (!allowsUnsafe)
        {
            Report(context.ReportDiagnostic, SlabChargeRules.UnsafeNotAllowedId, attributeLocation, new[] { display });
        }

        SlabChargeArguments arguments = SlabChargeRules.ReadArguments(attribute);
        string cacheName = SlabChargeRules.CacheName(type, arguments);
        Location nameLocation = ArgumentLocation(attributeSyntax, "Name") ?? attributeLocation;
        if (CacheNames.Validate(cacheName) is { } nameProblem)
        {
            Report(context.ReportDiagnostic, SlabChargeRules.InvalidNameId, nameLocation, new[] { cacheName, display, nameProblem });
        }
        else
        {
            claims.Add(new CacheNameClaim(cacheName, display, nameLocation));
        }

        if (SlabChargeRules.ValidateAlign(arguments.Align) is { } alignProblem)
        {
            Report(context.ReportDiagnostic, SlabChargeRules.InvalidAlignId, ArgumentLocation(attributeSyntax, "Align") ?? attributeLocation,
                new[] { arguments.Align.ToString(System.Globalization.CultureInfo.InvariantCulture), display, alignProblem });
        }
    }

    private static void ReportDuplicateNames(CompilationAnalysisContext context, ConcurrentBag<CacheNameClaim> claims)
    {
        foreach (IGrouping<string, CacheNameClaim> group in claims
            .GroupBy(n => n.CacheName, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Every claimant is reported (not only the later ones): no declaration order is more right than
            // another, and each site says whom it collides with.
            foreach (CacheNameClaim claimant in group.OrderBy(n => n.TypeDisplayName, StringComparer.Ordinal))
            {
                string others = string.Join(", ", group
                    .Where(n => !ReferenceEquals(n, claimant))
                    .Select(n => $"'{n.TypeDisplayName}'")
                    .OrderBy(s => s, StringComparer.Ordinal));
                Report(context.ReportDiagnostic, SlabChargeRules.DuplicateNameId, claimant.Location, new[] { claimant.CacheName, claimant.TypeDisplayName, others });
            }
        }
    }

    private static void Report(Action<Diagnostic> report, string id, Location location, IEnumerable<string> arguments) =>
        report(Diagnostic.Create(s_byId[id], location, arguments.Select(a => (object?)a).ToArray()));

    private static Location? ArgumentLocation(AttributeSyntax attribute, string name)
    {
        foreach (AttributeArgumentSyntax argument in attribute.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return argument.Expression.GetLocation();
            }
        }

        return null;
    }

    /// <summary>The cache name one type claims, for the duplicate-name check across the compilation.</summary>
    private sealed class CacheNameClaim(string cacheName, string typeDisplayName, Location location)
    {
        public string CacheName { get; } = cacheName;
        public string TypeDisplayName { get; } = typeDisplayName;
        public Location Location { get; } = location;
    }
}
