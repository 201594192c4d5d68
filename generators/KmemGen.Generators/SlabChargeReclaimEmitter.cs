using KmemGen.Generators.Helpers;
using KmemGen.Generators.Models;
using Microsoft.CodeAnalysis.CSharp;

namespace KmemGen.Generators;

/// <summary>
/// The reclaim part of a <c>[SlabCharge(Reclaimable = true)]</c> struct, in a file of its own: the
/// shrinker named by the attribute's <c>Shrinker</c>, or an LRU-backed one (a <c>ListLru</c> of cold
/// objects and an <c>LruShrinker</c> that frees them through the type's <c>Free</c>). Either is
/// registered on first use of the generated property.
/// </summary>
internal static class SlabChargeReclaimEmitter
{
    private const string HolderName = "__KmemGenReclaim";

    /// <summary>True for models that get a reclaim part: reclaimable, or naming a shrinker.</summary>
    public static bool Applies(SlabChargeTypeModel model) => model.Reclaimable || model.ShrinkerType is not null;

    public static string Emit(SlabChargeTypeModel model) =>
        SlabChargeEmitter.EmitPartial(model, w =>
        {
            if (model.ShrinkerType is { } named) WriteNamed(w, model, named);
            else WriteLruBacked(w, model);
        });

    private static string GeneratedCode =>
        $"[global::System.CodeDom.Compiler.GeneratedCode(\"{SlabChargeEmitter.ToolName}\", \"{SlabChargeEmitter.ToolVersion}\")]";

    private static void WriteNamed(IndentedWriter w, SlabChargeTypeModel model, string shrinkerType)
    {
        w.WriteLine($"/// <summary>The shrinker of <see cref=\"{model.Name}\"/> objects named by [SlabCharge(Shrinker = ...)], registered with reclaim on first use of this property.</summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine($"public static {shrinkerType} Shrinker => {HolderName}.Shrinker;");
        w.WriteLine();
        w.WriteLine("/// <summary>Creates and registers the shrinker once, on first use; the CLR's type initializer makes that thread-safe.</summary>");
        w.WriteLine(GeneratedCode);
        using (w.WriteBlock($"private static class {HolderName}"))
        {
            w.WriteLine($"internal static readonly {shrinkerType} Shrinker = global::KmemGen.Shrinker.Register(new {shrinkerType}());");
        }
    }

    private static void WriteLruBacked(IndentedWriter w, SlabChargeTypeModel model)
    {
        string t = model.FullyQualifiedName;
        string name = SymbolDisplay.FormatLiteral(model.CacheName, quote: true);
        w.WriteLine("/// <summary>");
        w.WriteLine($"/// Cold <see cref=\"{model.Name}\"/> objects reclaim may free, kept per owner cgroup, oldest first (list_lru).");
        w.WriteLine("/// Add an object when it becomes unused-but-cached; <see cref=\"global::KmemGen.ListLru.Remove\"/> it before using it");
        w.WriteLine("/// again (false: reclaim already freed it). Using it registers <see cref=\"Shrinker\"/>.");
        w.WriteLine("/// </summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine($"public static global::KmemGen.ListLru Lru => {HolderName}.Lru;");
        w.WriteLine();
        w.WriteLine($"/// <summary>The shrinker that frees the oldest objects on <see cref=\"Lru\"/> of the cgroup under pressure with <see cref=\"Free\"/>; set <see cref=\"global::KmemGen.LruShrinker.Evicting\"/> to drop them from an index first.</summary>");
        w.WriteLine(GeneratedCode);
        w.WriteLine($"public static global::KmemGen.LruShrinker Shrinker => {HolderName}.Shrinker;");
        w.WriteLine();
        w.WriteLine("/// <summary>Creates the list and registers its shrinker once, on first use; the CLR's type initializer makes that thread-safe.</summary>");
        w.WriteLine(GeneratedCode);
        using (w.WriteBlock($"private static unsafe class {HolderName}"))
        {
            w.WriteLine($"internal static readonly global::KmemGen.ListLru Lru = new global::KmemGen.ListLru({name});");
            w.WriteLine();
            w.WriteLine("internal static readonly global::KmemGen.LruShrinker Shrinker = global::KmemGen.Shrinker.Register(");
            w.WriteLine($"    new global::KmemGen.LruShrinker({name}, Lru, static obj => {t}.Free(({t}*)obj)));");
        }
    }
}
