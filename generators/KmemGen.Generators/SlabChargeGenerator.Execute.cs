using KmemGen.Definitions;
using KmemGen.Generators.Helpers;
using KmemGen.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Generators;

public sealed partial class SlabChargeGenerator
{
    /// <summary>The pipeline's work: symbols in, equatable models out.</summary>
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

        /// <summary>
        /// The model to emit for one attributed declaration, or null when the generator leaves it alone: a class
        /// or a second [SlabCharge] (the compiler's CS0592/CS0579), another namespace's SlabCharge, or a
        /// definition that breaks a shape rule (the definition analyzer reports why).
        /// </summary>
        public static SlabChargeTypeModel? Transform(GeneratorAttributeSyntaxContext context, CancellationToken token)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            if (type.TypeKind != TypeKind.Struct
                || SlabChargeRules.OwnAttribute(context.Attributes, declaration) is not { } attribute
                || !SlabChargeRules.IsFirstApplication(type, attribute)
                || !SlabChargeRules.AllowsUnsafe(context.SemanticModel.Compilation)
                || SlabChargeRules.ShapeViolations(type, declaration, token).Count > 0)
            {
                return null;
            }

            token.ThrowIfCancellationRequested();

            // A bad Name or Align is reported by the analyzer, but the code is still emitted so it does not
            // cascade into "Foo.Alloc does not exist" errors at every call site.
            SlabChargeArguments arguments = SlabChargeRules.ReadArguments(attribute);
            return CreateModel(type, TypeNames.From(type), SlabChargeRules.CacheName(type, arguments), arguments.Align, arguments.Reclaimable, arguments.ShrinkerType);
        }

        private static SlabChargeTypeModel CreateModel(INamedTypeSymbol type, TypeNames names, string cacheName, int align, bool reclaimable, string? shrinkerType)
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
                Reclaimable: reclaimable,
                ShrinkerType: shrinkerType);
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
        private sealed record TypeNames(string Dotted, string Namespace, string FullyQualified)
        {
            public static TypeNames From(INamedTypeSymbol type)
            {
                var namespaces = new List<string>();
                for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
                {
                    namespaces.Add(ns.Name);
                }

                var types = new List<string>();
                for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
                {
                    types.Add(t.Name);
                }

                namespaces.Reverse();
                types.Reverse();
                IEnumerable<string> all = namespaces.Concat(types);
                string dotted = string.Join(".", all);
                return new TypeNames(
                    Dotted: dotted,
                    Namespace: string.Join(".", namespaces.Select(Escape)),
                    FullyQualified: "global::" + string.Join(".", all.Select(Escape)));
            }
        }
    }
}
