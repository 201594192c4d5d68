using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Generators.Tests.Infrastructure;

/// <summary>Builds in-memory compilations against the KmemGen runtime and runs the generator over them.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(
        LanguageVersion.Latest,
        documentationMode: DocumentationMode.Diagnose);

    // The framework's reference assemblies are the ones loaded in this process; KmemGen is the
    // runtime the generated code calls.
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        string frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDir, StringComparison.Ordinal))
            .Append(typeof(SlabCache).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CreateCompilation(allowUnsafe: true, sources);

    public static CSharpCompilation CreateCompilation(bool allowUnsafe, params string[] sources) =>
        CSharpCompilation.Create(
            "Tests" + Guid.NewGuid().ToString("N"),
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/src/File{i}.cs")),
            s_references.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: allowUnsafe,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999));

    public static GeneratorDriver CreateDriver(AnalyzerConfigOptionsProvider? options = null, bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { new SlabChargeGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            optionsProvider: options ?? TestOptionsProvider.Empty,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; rethrows a generator exception rather than hiding it in a diagnostic.</summary>
    public static GeneratorOutput Run(CSharpCompilation compilation, AnalyzerConfigOptionsProvider? options = null)
    {
        GeneratorDriver driver = CreateDriver(options).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        return new GeneratorOutput(result, output);
    }

    public static GeneratorOutput Run(params string[] sources) => Run(CreateCompilation(sources));
}

/// <summary>One generator run: its result and the compilation with the generated trees added.</summary>
internal sealed record GeneratorOutput(GeneratorRunResult Result, Compilation Compilation)
{
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

    /// <summary>Compiler diagnostics of the whole compilation, hidden ones excepted.</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics =>
        Compilation.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden).ToImmutableArray();

    public string Source(string hintName) =>
        Result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();
}
