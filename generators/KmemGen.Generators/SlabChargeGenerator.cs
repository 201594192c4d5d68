using KmemGen.Definitions;
using KmemGen.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KmemGen.Generators;

/// <summary>
/// [SlabCharge] on an unmanaged partial struct: emits its accounted slab cache and typed
/// Alloc/TryAlloc/Free/AllocBulk/TryAllocBulk/FreeBulk hooks (the kernel's KMEM_CACHE(type, SLAB_ACCOUNT)).
/// This file is the pipeline only; the work is in <see cref="Execute"/> and <see cref="SlabChargeEmitter"/>.
/// The generator reports nothing: a definition it cannot emit for is reported by the definition analyzer
/// (KMEM0901-0909), so the pipeline carries no diagnostics and never joins the Compilation.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class SlabChargeGenerator : IIncrementalGenerator
{
    internal const string AttributeMetadataName = SlabChargeRules.AttributeMetadataName;

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Transform: one equatable model per type that can be emitted. Nothing from the compilation
        // survives this step, so edits elsewhere leave it Cached/Unchanged.
        IncrementalValuesProvider<SlabChargeTypeModel> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                static (node, _) => node is StructDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, token) => Execute.Transform(ctx, token))
            .WithTrackingName(TrackingNames.Transform)
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.Models);

        IncrementalValueProvider<GeneratorOptions> options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => Execute.ReadOptions(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        IncrementalValuesProvider<(SlabChargeTypeModel Model, GeneratorOptions Options)> withOptions = models
            .Combine(options)
            .WithTrackingName(TrackingNames.ModelsWithOptions);

        context.RegisterSourceOutput(withOptions, static (spc, item) =>
            spc.AddSource(item.Model.HintName, SlabChargeEmitter.Emit(item.Model, item.Options)));

        // The reclaim part of reclaimable types (their LRU and shrinker): a file of its own.
        context.RegisterSourceOutput(models.Where(static model => SlabChargeReclaimEmitter.Applies(model)), static (spc, model) =>
            spc.AddSource(model.ReclaimHintName, SlabChargeReclaimEmitter.Emit(model)));
    }
}
