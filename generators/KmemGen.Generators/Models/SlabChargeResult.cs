using KmemGen.Generators.Helpers;

namespace KmemGen.Generators.Models;

/// <summary>The transform's output for one attributed type.</summary>
/// <param name="Model">What to emit, or null when the type's shape makes generated code impossible.</param>
/// <param name="Diagnostics">Problems found in this type alone.</param>
/// <param name="CacheName">The name it claims (null when the Name argument is invalid).</param>
internal sealed record SlabChargeResult(
    SlabChargeTypeModel? Model,
    EquatableArray<DiagnosticInfo> Diagnostics,
    CacheNameInfo? CacheName)
{
    /// <summary>For a node the generator leaves to the compiler's own errors.</summary>
    public static readonly SlabChargeResult Nothing = new(null, EquatableArray<DiagnosticInfo>.Empty, null);
}
