using Microsoft.CodeAnalysis;

namespace KmemGen.Generators.Diagnostics;

/// <summary>
/// The generator's diagnostics, KMEM0901..KMEM0999 (the range is reserved for the generator in
/// docs/generator.md). Every one is an Error: each describes code the generator cannot make work.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string NotPartialId = "KMEM0901";
    public const string NotUnmanagedId = "KMEM0902";
    public const string GenericId = "KMEM0903";
    public const string RefStructId = "KMEM0904";
    public const string InvalidNameId = "KMEM0905";
    public const string InvalidAlignId = "KMEM0906";
    public const string DuplicateNameId = "KMEM0907";
    public const string UnsafeNotAllowedId = "KMEM0908";
    public const string FileLocalId = "KMEM0909";

    private const string Usage = "Usage";
    private const string Design = "Design";

    public static readonly DiagnosticDescriptor NotPartial = Create(
        NotPartialId,
        Design,
        "[SlabCharge] type must be partial",
        "'{0}' must be declared partial so KmemGen can add its slab cache members; add the 'partial' modifier to '{0}'");

    public static readonly DiagnosticDescriptor NotUnmanaged = Create(
        NotUnmanagedId,
        Design,
        "[SlabCharge] struct must be unmanaged",
        "'{0}' is not unmanaged: field '{1}' of type '{2}' is a managed type; slab objects live in native memory, so change '{1}' to an unmanaged type or remove [SlabCharge]");

    public static readonly DiagnosticDescriptor Generic = Create(
        GenericId,
        Design,
        "[SlabCharge] struct must not be generic",
        "'{0}' {1}; a slab cache has one object size, so declare a non-generic struct outside generic types");

    public static readonly DiagnosticDescriptor RefStruct = Create(
        RefStructId,
        Design,
        "[SlabCharge] struct must not be a ref struct",
        "'{0}' is a ref struct, which cannot live in native memory behind a pointer; remove the 'ref' modifier");

    public static readonly DiagnosticDescriptor InvalidName = Create(
        InvalidNameId,
        Usage,
        "Invalid slab cache name",
        "Cache name \"{0}\" on '{1}' is invalid: {2}; use a non-empty name of letters, digits, '_', '-', ':' or '.'");

    public static readonly DiagnosticDescriptor InvalidAlign = Create(
        InvalidAlignId,
        Usage,
        "Invalid slab cache alignment",
        "Align = {0} on '{1}' is invalid: {2}; use 0 (natural alignment) or a power of two from 1 to 4096");

    public static readonly DiagnosticDescriptor DuplicateName = Create(
        DuplicateNameId,
        Usage,
        "Duplicate slab cache name",
        "Cache name \"{0}\" of '{1}' is also used by {2}; give each [SlabCharge] type a distinct Name");

    public static readonly DiagnosticDescriptor UnsafeNotAllowed = Create(
        UnsafeNotAllowedId,
        Usage,
        "[SlabCharge] requires unsafe code",
        "'{0}' gets pointer-returning Alloc/Free members, which need unsafe code; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project");

    public static readonly DiagnosticDescriptor FileLocal = Create(
        FileLocalId,
        Design,
        "[SlabCharge] struct must not be file-local",
        "'{0}' is a file-local type, and generated code lives in another file where it cannot extend it; remove the 'file' modifier from '{0}'");

    /// <summary>All descriptors by ID, for turning <see cref="Models.DiagnosticInfo"/> back into diagnostics.</summary>
    public static readonly IReadOnlyDictionary<string, DiagnosticDescriptor> ById = new[]
    {
        NotPartial, NotUnmanaged, Generic, RefStruct, InvalidName, InvalidAlign, DuplicateName, UnsafeNotAllowed, FileLocal,
    }.ToDictionary(d => d.Id, StringComparer.Ordinal);

    public static string HelpLink(string id) => $"https://github.com/kmemgen/kmemgen/blob/main/docs/rules/{id}.md";

    private static DiagnosticDescriptor Create(string id, string category, string title, string message) =>
        new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));
}
