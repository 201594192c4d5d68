using System.Collections.Immutable;
using KmemGen.Generators.Helpers;
using KmemGen.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KmemGen.Generators;

/// <summary>
/// [SlabCharge] on an unmanaged partial struct: emits its accounted slab cache and typed
/// Alloc/TryAlloc/Free/AllocBulk/TryAllocBulk/FreeBulk hooks (the kernel's KMEM_CACHE(type, SLAB_ACCOUNT)).
/// This file is the pipeline only; the work is in <see cref="Execute"/> and <see cref="SlabChargeEmitter"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class SlabChargeGenerator : IIncrementalGenerator
{
    internal const string AttributeMetadataName = "KmemGen.SlabChargeAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Transform: one equatable result per attributed type. Nothing from the compilation
        // survives this step, so edits elsewhere leave it Cached/Unchanged.
        IncrementalValuesProvider<SlabChargeResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                static (node, _) => node is StructDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, token) => Execute.Transform(ctx, token))
            .WithTrackingName(TrackingNames.Transform);

        IncrementalValueProvider<GeneratorOptions> options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => Execute.ReadOptions(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        // Output 1, the code: fully incremental.
        IncrementalValuesProvider<(SlabChargeTypeModel Model, GeneratorOptions Options)> models = results
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => r.Model!)
            .WithTrackingName(TrackingNames.Models)
            .Combine(options)
            .WithTrackingName(TrackingNames.ModelsWithOptions);

        context.RegisterSourceOutput(models, static (spc, item) =>
            spc.AddSource(item.Model.HintName, SlabChargeEmitter.Emit(item.Model, item.Options)));

        // Output 1b, the reclaim part of reclaimable types (their LRU and shrinker): its own file.
        context.RegisterSourceOutput(models.Where(static item => SlabChargeReclaimEmitter.Applies(item.Model)), static (spc, item) =>
            spc.AddSource(item.Model.ReclaimHintName, SlabChargeReclaimEmitter.Emit(item.Model)));

        // Output 2, the diagnostics: per-type problems plus duplicate cache names across types.
        IncrementalValueProvider<ImmutableArray<EquatableArray<DiagnosticInfo>>> typeDiagnostics = results
            .Select(static (r, _) => r.Diagnostics)
            .WithTrackingName(TrackingNames.TypeDiagnostics)
            .Collect();

        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> duplicateNames = results
            .Select(static (r, _) => r.CacheName)
            .Where(static n => n is not null)
            .Select(static (n, _) => n!)
            .WithTrackingName(TrackingNames.CacheNames)
            .Collect()
            .Select(static (names, _) => Execute.FindDuplicateNames(names))
            .WithTrackingName(TrackingNames.DuplicateNames);

        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> allDiagnostics = typeDiagnostics
            .Combine(duplicateNames)
            .Select(static (pair, _) => Execute.Flatten(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.AllDiagnostics);

        // Why the compilation joins here, and only here: #pragma warning disable and [SuppressMessage]
        // are honoured only for a Location inside a syntax tree of the compilation; Location.Create(path,
        // span, lineSpan) makes an ExternalFileLocation that bypasses them (dotnet/runtime#92509,
        // roslyn#68291). So the diagnostics stay data until the last moment and are bound to their
        // tree here. This output re-runs on every compilation by design; with no diagnostics it
        // returns at once, and the code output above is unaffected.
        context.RegisterSourceOutput(
            allDiagnostics.Combine(context.CompilationProvider),
            static (spc, pair) => Execute.Report(spc, pair.Left, pair.Right));
    }
}
