using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// Runs analyzers over markup source and compares what they report with the <c>{|ID:...|}</c> spans.
/// Any analyzer exception (what the IDE shows as AD0001) fails the test, with its stack.
/// </summary>
public static class AnalyzerVerifier
{
    /// <summary>Asserts the analyzer reports exactly the marked diagnostics (none when there is no markup).</summary>
    public static async Task VerifyAsync<TAnalyzer>(string markup, VerifyOptions? options = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        => await VerifyAsync(markup, [new TAnalyzer()], options);

    public static async Task VerifyAsync(string markup, ImmutableArray<DiagnosticAnalyzer> analyzers, VerifyOptions? options = null)
    {
        options ??= VerifyOptions.Default;
        var (source, expected) = Markup.Parse(markup);
        var actual = await GetDiagnosticsAsync(source, analyzers, options);
        var ids = analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var reported = actual.Where(d => ids.Contains(d.Id))
            .Select(d => new ExpectedDiagnostic(d.Id, d.Location.SourceSpan))
            .OrderBy(d => d.Span.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        if (!reported.SequenceEqual(expected))
        {
            Assert.Fail("Diagnostics differ.\nExpected:\n" + Describe(expected, source) + "\nActual:\n" + Describe(reported, source)
                        + "\nFull messages:\n" + string.Join("\n", actual.Select(d => d.ToString())));
        }
    }

    /// <summary>
    /// Compiles <paramref name="source"/> (plain, no markup), checks it compiles unless errors are allowed,
    /// runs the analyzers and returns their diagnostics; fails on any analyzer exception.
    /// </summary>
    public static async Task<ImmutableArray<Diagnostic>> GetDiagnosticsAsync(string source, ImmutableArray<DiagnosticAnalyzer> analyzers, VerifyOptions options)
    {
        var compilation = TestCompilation.Create([source], options);
        if (!options.AllowCompilerErrors)
        {
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0) Assert.Fail("Test source does not compile:\n" + string.Join("\n", errors));
        }
        return await RunAsync(compilation, analyzers, options);
    }

    internal static async Task<ImmutableArray<Diagnostic>> RunAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, VerifyOptions options)
    {
        var exceptions = new List<string>();
        var analyzerOptions = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new TestAnalyzerConfigOptionsProvider(options.GlobalOptions));
        var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
            analyzerOptions,
            onAnalyzerException: (ex, analyzer, diagnostic) => { lock (exceptions) exceptions.Add($"{analyzer.GetType().Name}: {ex}"); },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false));
        var all = await withAnalyzers.GetAllDiagnosticsAsync();
        var ad0001 = all.Where(d => d.Id is "AD0001" or "AD0002").Select(d => d.ToString());
        var crashes = exceptions.Concat(ad0001).ToList();
        if (crashes.Count > 0) Assert.Fail("Analyzer threw (AD0001):\n" + string.Join("\n", crashes));
        return (await withAnalyzers.GetAnalyzerDiagnosticsAsync()).OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    private static string Describe(IEnumerable<ExpectedDiagnostic> diagnostics, string source)
    {
        var text = SourceText.From(source);
        var lines = diagnostics.Select(d =>
        {
            var pos = text.Lines.GetLinePosition(d.Span.Start);
            return $"  {d.Id} at ({pos.Line + 1},{pos.Character + 1}) on `{source.Substring(d.Span.Start, d.Span.Length)}`";
        }).ToList();
        return lines.Count == 0 ? "  (none)" : string.Join("\n", lines);
    }
}
