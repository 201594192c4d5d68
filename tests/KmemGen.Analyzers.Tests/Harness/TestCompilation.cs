using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// Builds the compilation a test's source is analysed in: the framework's reference assemblies
/// (the running runtime's trusted platform assemblies) plus the real KmemGen.dll, unsafe code on,
/// optionally run through the [SlabCharge] generator first.
/// </summary>
public static class TestCompilation
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        allowUnsafe: true,
        nullableContextOptions: NullableContextOptions.Enable);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    public static CSharpCompilation Create(IEnumerable<string> sources, VerifyOptions? options = null, string assemblyName = "TestProject")
    {
        options ??= VerifyOptions.Default;
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/0/Test{i}.cs"));
        var compilation = CSharpCompilation.Create(assemblyName, trees, References,
            CompilationOptions.WithSpecificDiagnosticOptions(options.SpecificDiagnosticOptions));
        return options.RunGenerators ? RunGenerators(compilation, options) : compilation;
    }

    /// <summary>Runs every incremental generator in KmemGen.Generators over the compilation.</summary>
    public static CSharpCompilation RunGenerators(CSharpCompilation compilation, VerifyOptions options)
    {
        var generators = LoadGenerators();
        if (generators.Length == 0) return compilation;
        var driver = CSharpGeneratorDriver.Create(generators, parseOptions: ParseOptions,
            optionsProvider: new TestAnalyzerConfigOptionsProvider(options.GlobalOptions));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var updated, out _);
        return (CSharpCompilation)updated;
    }

    private static ImmutableArray<ISourceGenerator> LoadGenerators()
    {
        Assembly assembly;
        try { assembly = Assembly.Load("KmemGen.Generators"); }
        catch (FileNotFoundException) { return ImmutableArray<ISourceGenerator>.Empty; }
        return assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(IIncrementalGenerator).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => ((IIncrementalGenerator)Activator.CreateInstance(t)!).AsSourceGenerator())
            .ToImmutableArray();
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator);
        var framework = tpa.Where(p =>
        {
            var name = Path.GetFileNameWithoutExtension(p);
            return name.StartsWith("System.", StringComparison.Ordinal) || name is "System" or "netstandard" or "mscorlib"
                   || name.StartsWith("Microsoft.Win32", StringComparison.Ordinal) || name == "Microsoft.CSharp";
        });
        return framework
            .Append(typeof(KmemGen.SlabCache).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }
}
