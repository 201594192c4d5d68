using System.Collections.Immutable;
using KmemGen.Generators.Diagnostics;
using KmemGen.Generators.Helpers;
using KmemGen.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Generators;

public sealed partial class SlabChargeGenerator
{
    /// <summary>The pipeline's work: symbols in, equatable models and diagnostics out.</summary>
    internal static class Execute
    {
        internal const string AccountingProperty = "build_property.KmemAccounting";

        public static GeneratorOptions ReadOptions(AnalyzerConfigOptions globalOptions)
        {
            // Default on: only an explicit "false" turns accounting off, so a typo never silently
            // stops charging.
            bool off = globalOptions.TryGetValue(AccountingProperty, out string? value)
                && string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
            return off ? new GeneratorOptions(AccountingEnabled: false) : GeneratorOptions.Default;
        }

        public static SlabChargeResult Transform(GeneratorAttributeSyntaxContext context, CancellationToken token)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            // Another declaration of the same partial struct may carry a different [SlabCharge] (another
            // namespace's, or one a missing using left unbound): this declaration then is not ours, and the
            // declaration that has ours produces the one model (a second would repeat its hint name).
            if (OwnAttribute(context, declaration) is not { } attribute)
            {
                return SlabChargeResult.Nothing;
            }

            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(token) as AttributeSyntax;

            // The compiler already rejects [SlabCharge] on a class (CS0592) and twice on one struct
            // (CS0579, e.g. on two partial declarations); adding our own errors would only repeat it,
            // and a second model would collide on the hint name.
            if (type.TypeKind != TypeKind.Struct || !IsFirstApplication(type, attribute))
            {
                return SlabChargeResult.Nothing;
            }

            // Names are built by walking the symbol once: ToDisplayString costs ~50 us per call and
            // the transform re-runs for every [SlabCharge] type after any edit.
            TypeNames names = TypeNames.From(type);
            string display = names.Display;

            LocationInfo? typeLocation = LocationInfo.From(declaration.Identifier.GetLocation());
            LocationInfo? attributeLocation = LocationInfo.From(attributeSyntax) ?? typeLocation;

            var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();

            // Shape checks: any of these makes the generated partial uncompilable, so no model.
            bool shapeOk = CheckShape(type, declaration, display, typeLocation, diagnostics, token);
            if (context.SemanticModel.Compilation.Options is CSharpCompilationOptions { AllowUnsafe: false })
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsafeNotAllowedId, attributeLocation, display));
                shapeOk = false;
            }

            token.ThrowIfCancellationRequested();

            // Argument checks: reported, but the code is still emitted so a bad Name does not
            // cascade into "Foo.Alloc does not exist" errors at every call site.
            string? explicitName = null;
            int align = 0;
            bool reclaimable = false;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Name" when argument.Value.Value is string s:
                        explicitName = s;
                        break;
                    case "Align" when argument.Value.Value is int a:
                        align = a;
                        break;
                    case "Reclaimable" when argument.Value.Value is bool r:
                        reclaimable = r;
                        break;
                }
            }

            string cacheName = explicitName ?? CacheNames.ToSnakeCase(type.Name);
            LocationInfo? nameLocation = ArgumentLocation(attributeSyntax, "Name") ?? attributeLocation;
            CacheNameInfo? cacheNameInfo = null;
            if (CacheNames.Validate(cacheName) is { } nameProblem)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNameId, nameLocation, cacheName, display, nameProblem));
            }
            else
            {
                cacheNameInfo = new CacheNameInfo(cacheName, display, nameLocation);
            }

            if (ValidateAlign(align) is { } alignProblem)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidAlignId,
                    ArgumentLocation(attributeSyntax, "Align") ?? attributeLocation,
                    align.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    display,
                    alignProblem));
            }

            SlabChargeTypeModel? model = shapeOk ? CreateModel(type, names, cacheName, align, reclaimable) : null;
            return new SlabChargeResult(model, diagnostics.ToImmutable().ToEquatableArray(), cacheNameInfo);
        }

        /// <summary>Null when <paramref name="align"/> is usable; otherwise what is wrong with it.</summary>
        public static string? ValidateAlign(int align) => align switch
        {
            < 0 => "it is negative",
            0 => null,
            > 4096 => "it is larger than a 4096-byte page",
            _ when (align & (align - 1)) != 0 => "it is not a power of two",
            _ => null,
        };

        public static EquatableArray<DiagnosticInfo> FindDuplicateNames(ImmutableArray<CacheNameInfo> names)
        {
            var result = ImmutableArray.CreateBuilder<DiagnosticInfo>();
            foreach (IGrouping<string, CacheNameInfo> group in names
                .GroupBy(n => n.CacheName, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                // Every claimant is reported (not only the later ones): no declaration order is
                // more right than another, and each site says whom it collides with.
                foreach (CacheNameInfo claimant in group.OrderBy(n => n.TypeDisplayName, StringComparer.Ordinal))
                {
                    string others = string.Join(
                        ", ",
                        group.Where(n => !ReferenceEquals(n, claimant))
                            .Select(n => $"'{n.TypeDisplayName}'")
                            .OrderBy(s => s, StringComparer.Ordinal));
                    result.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.DuplicateNameId, claimant.Location, claimant.CacheName, claimant.TypeDisplayName, others));
                }
            }

            return result.ToImmutable().ToEquatableArray();
        }

        public static EquatableArray<DiagnosticInfo> Flatten(
            ImmutableArray<EquatableArray<DiagnosticInfo>> perType, EquatableArray<DiagnosticInfo> duplicates) =>
            perType.SelectMany(d => d).Concat(duplicates).ToEquatableArray();

        public static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, Compilation compilation)
        {
            if (diagnostics.IsEmpty)
            {
                return;
            }

            foreach (DiagnosticInfo info in diagnostics)
            {
                if (!DiagnosticDescriptors.ById.TryGetValue(info.Id, out DiagnosticDescriptor? descriptor))
                {
                    continue;
                }

                context.ReportDiagnostic(Diagnostic.Create(
                    descriptor,
                    ToLocation(info.Location, compilation),
                    info.Arguments.Select(a => (object?)a).ToArray()));
            }
        }

        private static Location ToLocation(LocationInfo? info, Compilation compilation)
        {
            if (info is null)
            {
                return Location.None;
            }

            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                // A tree location is what #pragma and [SuppressMessage] can see; the span is only
                // trusted if it still fits the tree it was computed from.
                if (string.Equals(tree.FilePath, info.FilePath, StringComparison.Ordinal) && info.TextSpan.End <= tree.Length)
                {
                    return Location.Create(tree, info.TextSpan);
                }
            }

            return Location.Create(info.FilePath, info.TextSpan, info.LineSpan);
        }

        private static bool CheckShape(
            INamedTypeSymbol type,
            TypeDeclarationSyntax declaration,
            string display,
            LocationInfo? location,
            ImmutableArray<DiagnosticInfo>.Builder diagnostics,
            CancellationToken token)
        {
            int before = diagnostics.Count;

            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartialId, location, display));
            }

            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                if (!IsPartialEverywhere(outer, token))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartialId, location, outer.ToDisplayString()));
                }
            }

            // A file-local type can only be extended in its own file; a partial in the generated file
            // would silently declare a second, unrelated type of the same name.
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (t.IsFileLocal)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalId, location, t.Name));
                    break;
                }
            }

            bool generic = false;
            if (type.Arity > 0)
            {
                generic = true;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericId, location, display, "is generic"));
            }

            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                if (outer.IsGenericType)
                {
                    generic = true;
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.GenericId, location, display, $"is nested in generic type '{outer.ToDisplayString()}'"));
                    break;
                }
            }

            if (type.IsRefLikeType)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RefStructId, location, display));
            }
            else if (!generic && !type.IsUnmanagedType)
            {
                (string field, string fieldType) = FindManagedField(type);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotUnmanagedId, location, display, field, fieldType));
            }

            return diagnostics.Count == before;
        }

        /// <summary>
        /// The [SlabCharge] written on this declaration: when two partial declarations in one file
        /// both carry it, FAWMN hands each node the attributes of the whole tree.
        /// </summary>
        /// <summary>Our attribute as applied on this declaration, or null when it is applied on another one.</summary>
        private static AttributeData? OwnAttribute(GeneratorAttributeSyntaxContext context, TypeDeclarationSyntax declaration)
        {
            foreach (AttributeData candidate in context.Attributes)
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

        private static bool IsFirstApplication(INamedTypeSymbol type, AttributeData attribute)
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

        private static LocationInfo? ArgumentLocation(AttributeSyntax? attribute, string name)
        {
            if (attribute?.ArgumentList is null)
            {
                return null;
            }

            foreach (AttributeArgumentSyntax argument in attribute.ArgumentList.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return LocationInfo.From(argument.Expression);
                }
            }

            return null;
        }

        private static SlabChargeTypeModel CreateModel(INamedTypeSymbol type, TypeNames names, string cacheName, int align, bool reclaimable)
        {
            var containing = new List<ContainingTypeInfo>();
            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                containing.Add(new ContainingTypeInfo(Keyword(outer), Escape(outer.Name)));
            }

            containing.Reverse();

            return new SlabChargeTypeModel(
                HintName: names.Dotted + ".g.cs",
                Namespace: names.Namespace,
                ContainingTypes: containing.ToEquatableArray(),
                Keyword: type.IsRecord ? "record struct" : "struct",
                Name: Escape(type.Name),
                FullyQualifiedName: names.FullyQualified,
                CacheName: cacheName,
                Align: align,
                Reclaimable: reclaimable);
        }

        private static string Keyword(INamedTypeSymbol type)
        {
            string kind = type.TypeKind switch
            {
                TypeKind.Struct when type.IsRecord => "record struct",
                TypeKind.Struct => "struct",
                TypeKind.Interface => "interface",
                _ when type.IsRecord => "record",
                _ => "class",
            };

            // Every partial part of a ref struct must carry "ref", or the parts disagree.
            return type.IsRefLikeType ? "ref " + kind : kind;
        }

        internal static string Escape(string identifier) =>
            SyntaxFacts.IsReservedKeyword(SyntaxFacts.GetKeywordKind(identifier)) ? "@" + identifier : identifier;

        /// <summary>The spellings of one type's name the transform needs, from one walk up the symbol.</summary>
        /// <param name="Dotted">Namespace and type names joined by '.', unescaped: the hint name ('@' is not allowed there).</param>
        /// <param name="Namespace">The namespace, keywords escaped ("" for the global namespace).</param>
        /// <param name="FullyQualified">global::-qualified with keywords escaped, for generated code.</param>
        /// <param name="Display">As messages show it (with type parameters when there are any).</param>
        private sealed record TypeNames(string Dotted, string Namespace, string FullyQualified, string Display)
        {
            public static TypeNames From(INamedTypeSymbol type)
            {
                var namespaces = new List<string>();
                for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
                {
                    namespaces.Add(ns.Name);
                }

                var types = new List<string>();
                bool generic = false;
                for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
                {
                    types.Add(t.Name);
                    generic |= t.Arity > 0;
                }

                namespaces.Reverse();
                types.Reverse();
                IEnumerable<string> all = namespaces.Concat(types);
                string dotted = string.Join(".", all);
                return new TypeNames(
                    Dotted: dotted,
                    Namespace: string.Join(".", namespaces.Select(Escape)),
                    FullyQualified: "global::" + string.Join(".", all.Select(Escape)),
                    Display: generic ? type.ToDisplayString() : dotted);
            }
        }
    }
}
