using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using KmemGen.Analyzers.Balance;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Benchmarks.Analyzers;

/// <summary>
/// The balance analyzer on one generated 5,000-line method: binding alone (baseline) against binding plus
/// the analyzer (CFG construction and the dataflow). A fresh compilation per operation so nothing is cached.
/// See docs/benchmarks-analyzers.md for the command and the figures.
/// </summary>
[MemoryDiagnoser]
public class BalanceAnalyzerBenchmarks
{
    private SyntaxTree _tree = null!;
    private ImmutableArray<MetadataReference> _references;
    private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new BalanceAnalyzer());

    [Params(5_000)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var source = GeneratedMethod.Source(Lines);
        _tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll");
        _references = tpa.Append(typeof(SlabCache).Assembly.Location).Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();

        // The run must really analyse the method (not give up over budget): exactly the one planted leak.
        var found = Analyze();
        if (found.Length != 1 || found[0].Id != "KMEM0201")
            throw new InvalidOperationException($"expected one KMEM0201 in the generated method, got: {string.Join("; ", found)}");
        var errors = Compile().GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0) throw new InvalidOperationException("generated method does not compile: " + errors[0]);
    }

    private CSharpCompilation Compile() => CSharpCompilation.Create("Bench", [_tree], _references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

    [Benchmark(Baseline = true)]
    public int BindOnly() => Compile().GetDiagnostics().Length;

    [Benchmark]
    public int BindAndAnalyze() => Analyze().Length;

    private ImmutableArray<Diagnostic> Analyze()
        => Compile().WithAnalyzers(_analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
}
