using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace KmemGen.Testing;

/// <summary>
/// What test code compiles against: the SDK's own net10.0 reference pack plus the real KmemGen.dll.
/// The pack is read from the installed SDK rather than restored at test time, so the tests run offline;
/// <see cref="ReferenceAssemblies.Net"/>'s presets would download a pinned pack version instead.
/// </summary>
public static class TestReferences
{
    public const string TargetFramework = "net10.0";

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_framework = new(LoadFramework);

    /// <summary>An empty reference set for the framework: the references come from <see cref="All"/>.</summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new(TargetFramework);

    /// <summary>The framework's reference assemblies (Microsoft.NETCore.App.Ref of the running runtime's major version).</summary>
    public static ImmutableArray<MetadataReference> Framework => s_framework.Value;

    public static MetadataReference KmemGen { get; } = MetadataReference.CreateFromFile(typeof(global::KmemGen.SlabCache).Assembly.Location);

    public static ImmutableArray<MetadataReference> All { get; } = Framework.Add(KmemGen);

    private static ImmutableArray<MetadataReference> LoadFramework()
    {
        var packDirectory = FindReferencePack();
        return Directory.GetFiles(packDirectory, "*.dll")
            .Order(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }

    /// <summary>
    /// The runtime runs from &lt;dotnet root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;/; its reference pack
    /// is &lt;dotnet root&gt;/packs/Microsoft.NETCore.App.Ref/&lt;version&gt;/ref/net10.0/. The newest pack of the
    /// runtime's major version is taken, since SDK and runtime patch versions need not match.
    /// </summary>
    private static string FindReferencePack()
    {
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var major = Environment.Version.Major + ".";
        var candidates = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Where(d => Path.GetFileName(d).StartsWith(major, StringComparison.Ordinal))
                .Select(d => Path.Combine(d, "ref", TargetFramework))
                .Where(Directory.Exists)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(d)))!.Split('-')[0], out var v) ? v : new Version())
                .ToList()
            : [];
        return candidates.FirstOrDefault()
               ?? throw new DirectoryNotFoundException(
                   $"No {TargetFramework} reference pack under '{packs}' (looked for Microsoft.NETCore.App.Ref/{major}*/ref/{TargetFramework}); "
                   + "the tests compile against the installed SDK's reference assemblies.");
    }
}
