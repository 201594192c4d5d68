using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// Analyzer tests on Microsoft.CodeAnalysis.CSharp.Analyzer.Testing: the markup (<c>{|ID:code|}</c>,
/// <c>[|code|]</c> for an analyzer's single rule) is the exact set of diagnostics expected, compiler
/// errors included unless allowed; an analyzer exception surfaces as AD0001 and fails the test.
/// </summary>
public static class AnalyzerVerifier
{
    /// <summary>Asserts the analyzer reports exactly the marked diagnostics (none when there is no markup).</summary>
    public static Task VerifyAsync<TAnalyzer>(string markup, VerifyOptions? options = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        => VerifyAsync(markup, [new TAnalyzer()], options);

    public static Task VerifyAsync(string markup, ImmutableArray<DiagnosticAnalyzer> analyzers, VerifyOptions? options = null)
        => Create(markup, analyzers, options).RunAsync();

    /// <summary>The configured framework test, for a test that needs more than markup (extra files, expected arguments).</summary>
    public static Test Create(string markup, ImmutableArray<DiagnosticAnalyzer> analyzers, VerifyOptions? options = null)
    {
        options ??= VerifyOptions.Default;
        var test = new Test(analyzers, options.RunGenerators) { TestCode = markup };
        KmemTestSetup.Apply(test, options);
        return test;
    }

    /// <summary>
    /// Compiles <paramref name="source"/> (plain, no markup), checks it compiles unless errors are allowed,
    /// runs the analyzers and returns their diagnostics, for tests that inspect messages and arguments;
    /// fails on any analyzer exception.
    /// </summary>
    public static Task<ImmutableArray<Diagnostic>> GetDiagnosticsAsync(string source, ImmutableArray<DiagnosticAnalyzer> analyzers, VerifyOptions options)
    {
        var compilation = TestCompilation.Create([source], options);
        if (!options.AllowCompilerErrors)
        {
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                Assert.Fail("Test source does not compile:\n" + string.Join("\n", errors));
            }
        }
        return RunAsync(compilation, analyzers, options);
    }

    /// <summary>Runs the analyzers over a compilation the test built itself; fails on any analyzer exception (AD0001).</summary>
    public static async Task<ImmutableArray<Diagnostic>> RunAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, VerifyOptions options)
    {
        var exceptions = new List<string>();
        var analyzerOptions = new AnalyzerOptions([], TestCompilation.OptionsProvider(options));
        var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
            analyzerOptions,
            onAnalyzerException: (ex, analyzer, _) => { lock (exceptions) { exceptions.Add($"{analyzer.GetType().Name}: {ex}"); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false));
        var all = await withAnalyzers.GetAllDiagnosticsAsync();
        var crashes = exceptions.Concat(all.Where(d => d.Id is "AD0001" or "AD0002").Select(d => d.ToString())).ToList();
        if (crashes.Count > 0)
        {
            Assert.Fail("Analyzer threw (AD0001):\n" + string.Join("\n", crashes));
        }
        return (await withAnalyzers.GetAnalyzerDiagnosticsAsync()).OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    /// <summary>The framework's analyzer test with the analyzers given and, unless turned off, the [SlabCharge] generator.</summary>
    public sealed class Test(ImmutableArray<DiagnosticAnalyzer> analyzers, bool runGenerators)
        : CSharpAnalyzerTest<EmptyDiagnosticAnalyzer, DefaultVerifier>
    {
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => analyzers;

        protected override IEnumerable<Type> GetSourceGenerators() => runGenerators ? KmemTestSetup.Generators : [];

        protected override Project ApplyCompilationOptions(Project project) => KmemTestSetup.KeepShippedSeverities(project);
    }
}
