using System.Collections.Immutable;
using KmemGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// A bare compilation of test source with the test references, unsafe code and nullable on, optionally run
/// through the [SlabCharge] generator: for tests that call analyzer internals or read raw diagnostics.
/// </summary>
public static class TestCompilation
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        allowUnsafe: true,
        nullableContextOptions: NullableContextOptions.Enable);

    public static ImmutableArray<MetadataReference> References => TestReferences.All;

    public static CSharpCompilation Create(IEnumerable<string> sources, VerifyOptions? options = null, string assemblyName = "TestProject")
    {
        options ??= VerifyOptions.Default;
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/0/Test{i}.cs"));
        var compilation = CSharpCompilation.Create(assemblyName, trees, References,
            CompilationOptions.WithAllowUnsafe(options.AllowUnsafe).WithSpecificDiagnosticOptions(options.SpecificDiagnosticOptions));
        return options.RunGenerators ? RunGenerators(compilation, options) : compilation;
    }

    /// <summary>Runs the [SlabCharge] generator over the compilation.</summary>
    public static CSharpCompilation RunGenerators(CSharpCompilation compilation, VerifyOptions options)
    {
        var generators = KmemTestSetup.Generators
            .Select(t => ((IIncrementalGenerator)Activator.CreateInstance(t)!).AsSourceGenerator());
        var driver = CSharpGeneratorDriver.Create(generators, parseOptions: ParseOptions, optionsProvider: OptionsProvider(options));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var updated, out _);
        return (CSharpCompilation)updated;
    }

    /// <summary>The test's global options as every tree and file sees them.</summary>
    internal static AnalyzerConfigOptionsProvider OptionsProvider(VerifyOptions options) => new GlobalOptionsProvider(options.GlobalOptions);

    private sealed class GlobalOptionsProvider(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly DictionaryOptions _options = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _options;
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;
    }

    private sealed class DictionaryOptions(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            => values.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => values.Keys;
    }
}
