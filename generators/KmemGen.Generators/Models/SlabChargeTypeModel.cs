using KmemGen.Generators.Helpers;

namespace KmemGen.Generators.Models;

/// <summary>Everything the emitter needs for one [SlabCharge] struct; equal when the output would be.</summary>
/// <param name="HintName">Unique per type: the metadata name plus ".g.cs".</param>
/// <param name="Namespace">The containing namespace ("" for the global namespace).</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Keyword">"struct" or "record struct" (with "readonly" dropped: one part carrying it is enough).</param>
/// <param name="Name">The struct's identifier, escaped with @ when it is a keyword.</param>
/// <param name="FullyQualifiedName">global::-qualified, used for pointers and sizeof.</param>
/// <param name="CacheName">The slab cache name (attribute Name, or the type name in snake_case).</param>
/// <param name="Align">The attribute's Align (0 = natural).</param>
/// <param name="Reclaimable">The attribute's Reclaimable (SLAB_RECLAIM_ACCOUNT).</param>
/// <param name="ShrinkerType">The attribute's Shrinker type, global::-qualified; null for the generated LRU-backed one.</param>
internal sealed record SlabChargeTypeModel(
    string HintName,
    string Namespace,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    string Keyword,
    string Name,
    string FullyQualifiedName,
    string CacheName,
    int Align,
    bool Reclaimable,
    string? ShrinkerType = null)
{
    /// <summary>The hint name of the reclaim part (the LRU and shrinker), emitted for reclaimable types.</summary>
    public string ReclaimHintName => HintName.Substring(0, HintName.Length - ".g.cs".Length) + ".Reclaim.g.cs";
}
