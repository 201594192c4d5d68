using KmemGen.Analyzers.Common;
using KmemGen.Definitions;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Generator;

/// <summary>
/// KMEM0901-0909: [SlabCharge] definitions the generator cannot make work. Every one is an Error; the shape
/// rules (0901-0904, 0908, 0909) mean no code is generated for the type.
/// </summary>
internal static class SlabChargeDescriptors
{
    private const string Usage = "Usage";
    private const string Design = "Design";

    public static readonly DiagnosticDescriptor NotPartial = Create(
        SlabChargeRules.NotPartialId, Design,
        "[SlabCharge] type must be partial",
        "'{0}' must be declared partial so KmemGen can add its slab cache members; add the 'partial' modifier to '{0}'",
        "The generator adds the cache and its Alloc/Free members to the struct and every type containing it, as partial declarations.");

    public static readonly DiagnosticDescriptor NotUnmanaged = Create(
        SlabChargeRules.NotUnmanagedId, Design,
        "[SlabCharge] struct must be unmanaged",
        "'{0}' is not unmanaged: field '{1}' of type '{2}' is a managed type; slab objects live in native memory, so change '{1}' to an unmanaged type or remove [SlabCharge]",
        "Slab objects live in native pages the garbage collector does not scan; a managed reference there would be lost.");

    public static readonly DiagnosticDescriptor Generic = Create(
        SlabChargeRules.GenericId, Design,
        "[SlabCharge] struct must not be generic",
        "'{0}' {1}; a slab cache has one object size, so declare a non-generic struct outside generic types",
        "A cache holds objects of one size; a generic struct has one size per instantiation.");

    public static readonly DiagnosticDescriptor RefStruct = Create(
        SlabChargeRules.RefStructId, Design,
        "[SlabCharge] struct must not be a ref struct",
        "'{0}' is a ref struct, which cannot live in native memory behind a pointer; remove the 'ref' modifier",
        "A ref struct cannot be the target of a pointer.");

    public static readonly DiagnosticDescriptor InvalidName = Create(
        SlabChargeRules.InvalidNameId, Usage,
        "Invalid slab cache name",
        "Cache name \"{0}\" on '{1}' is invalid: {2}; use a non-empty name of letters, digits, '_', '-', ':' or '.'",
        "Cache names appear in slabinfo and the memory.stat-style reports; they use the characters /proc/slabinfo names use.");

    public static readonly DiagnosticDescriptor InvalidAlign = Create(
        SlabChargeRules.InvalidAlignId, Usage,
        "Invalid slab cache alignment",
        "Align = {0} on '{1}' is invalid: {2}; use 0 (natural alignment) or a power of two from 1 to 4096",
        "Objects are aligned within a 4096-byte slab page; the alignment must be a power of two no larger than the page.");

    public static readonly DiagnosticDescriptor DuplicateName = Create(
        SlabChargeRules.DuplicateNameId, Usage,
        "Duplicate slab cache name",
        "Cache name \"{0}\" of '{1}' is also used by {2}; give each [SlabCharge] type a distinct Name",
        "Each cache is registered under its name; two types claiming one name collide when the second cache is created. "
        + "Reported when the whole compilation has been seen (in a build, or an IDE's full-solution analysis).",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor UnsafeNotAllowed = Create(
        SlabChargeRules.UnsafeNotAllowedId, Usage,
        "[SlabCharge] requires unsafe code",
        "'{0}' gets pointer-returning Alloc/Free members, which need unsafe code; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project",
        "The generated Alloc, TryAlloc and Free members take and return pointers.");

    public static readonly DiagnosticDescriptor FileLocal = Create(
        SlabChargeRules.FileLocalId, Design,
        "[SlabCharge] struct must not be file-local",
        "'{0}' is a file-local type, and generated code lives in another file where it cannot extend it; remove the 'file' modifier from '{0}'",
        "A partial declaration in the generated file would declare a second, unrelated type of the same name.");

    private static DiagnosticDescriptor Create(string id, string category, string title, string message, string description, params string[] tags) =>
        Descriptors.Create(id, title, message, category, DiagnosticSeverity.Error, description, tags);
}
