using System.Collections.Immutable;
using KmemGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// Code-fix tests on Microsoft.CodeAnalysis.CSharp.CodeFix.Testing. The markup must first be exactly what the
/// analyzer reports; then the framework applies the fix one diagnostic at a time until nothing fixable is left,
/// and separately Fix All in document, project and solution scope; every result must equal the expected text
/// and compile, with no diagnostic of the analyzer left.
/// </summary>
public static class CodeFixVerifier
{
    /// <summary>Applies fix action <paramref name="actionIndex"/> until no fixable diagnostic remains; Fix All must agree.</summary>
    public static Task VerifyFixAsync<TAnalyzer, TFix>(string markup, string expectedFixed, int actionIndex = 0, VerifyOptions? options = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
        => Create<TAnalyzer, TFix>(markup, expectedFixed, actionIndex, options).RunAsync();

    /// <summary>
    /// The same checks, for a test whose point is Fix All: the markup must hold at least two diagnostics, and the
    /// fixer must offer a FixAllProvider, so the batch result is meaningful.
    /// </summary>
    public static Task VerifyFixAllAsync<TAnalyzer, TFix>(string markup, string expectedFixed, VerifyOptions? options = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        if (new TFix().GetFixAllProvider() is null)
        {
            Assert.Fail($"{typeof(TFix).Name} has no FixAllProvider");
        }
        TestFileMarkupParser.GetSpans(markup, out string _, out ImmutableDictionary<string, ImmutableArray<TextSpan>> spans);
        var marked = spans.Values.Sum(s => s.Length);
        if (marked < 2)
        {
            Assert.Fail("Fix All needs at least two diagnostics to be meaningful; the markup marks " + marked);
        }
        var test = Create<TAnalyzer, TFix>(markup, expectedFixed, 0, options);
        // Fix All fixes every occurrence in one step.
        test.NumberOfFixAllIterations = 1;
        return test.RunAsync();
    }

    /// <summary>Asserts the analyzer reports the marked diagnostics and the fixer offers no action for any of them.</summary>
    public static Task VerifyNoFixAsync<TAnalyzer, TFix>(string markup, VerifyOptions? options = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
        => Create<TAnalyzer, TFix>(markup, markup, 0, options).RunAsync();

    /// <summary>The configured framework test, for a test that needs more than two texts.</summary>
    public static Test<TAnalyzer, TFix> Create<TAnalyzer, TFix>(string markup, string expectedFixed, int actionIndex = 0, VerifyOptions? options = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        options ??= VerifyOptions.Default;
        var test = new Test<TAnalyzer, TFix>(options.RunGenerators) { TestCode = markup, FixedCode = expectedFixed, CodeActionIndex = actionIndex };
        KmemTestSetup.Apply(test, options);
        return test;
    }

    /// <summary>
    /// A document in a one-project workspace with the test references, for tests that drive a fixer by hand
    /// (to count the actions it offers).
    /// </summary>
    public static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(projectId, VersionStamp.Create(), "TestProject", "TestProject", LanguageNames.CSharp,
                compilationOptions: TestCompilation.CompilationOptions, parseOptions: TestCompilation.ParseOptions,
                metadataReferences: TestReferences.All));
        var documentId = DocumentId.CreateNewId(projectId);
        solution = solution.AddDocument(documentId, "Test0.cs", SourceText.From(source), filePath: "/0/Test0.cs");
        return solution.GetDocument(documentId)!;
    }

    /// <summary>The framework's code-fix test with the [SlabCharge] generator (unless turned off) and shipped severities.</summary>
    public sealed class Test<TAnalyzer, TFix>(bool runGenerators) : CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        protected override IEnumerable<Type> GetSourceGenerators() => runGenerators ? KmemTestSetup.Generators : [];

        protected override Project ApplyCompilationOptions(Project project) => KmemTestSetup.KeepShippedSeverities(project);
    }
}
