using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// Applies a code fix in an AdhocWorkspace, the way the IDE does: diagnostics from the analyzer,
/// the fixer's first (or chosen) action, repeated until nothing fixable is left; or Fix All in
/// document scope in one step. The fixed source must equal the expected text and compile.
/// </summary>
public static class CodeFixVerifier
{
    private const int MaxIterations = 20;

    /// <summary>Applies one fix at a time until no fixable diagnostic remains.</summary>
    public static async Task VerifyFixAsync<TAnalyzer, TFix>(string markup, string expectedFixed, int actionIndex = 0, VerifyOptions? options = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        options ??= VerifyOptions.Default;
        // The markup must first be what the analyzer reports.
        await AnalyzerVerifier.VerifyAsync<TAnalyzer>(markup, options);
        var (source, _) = Markup.Parse(markup);
        var fixer = new TFix();
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new TAnalyzer());
        var document = CreateDocument(source);

        for (int i = 0; ; i++)
        {
            var diagnostics = await GetFixableAsync(document, analyzers, fixer, options);
            if (diagnostics.Length == 0) break;
            if (i == MaxIterations) Assert.Fail($"Fix did not converge after {MaxIterations} iterations:\n{await TextOf(document)}");
            var actions = new List<CodeAction>();
            var context = new CodeFixContext(document, diagnostics[0], (a, _) => actions.Add(a), CancellationToken.None);
            await fixer.RegisterCodeFixesAsync(context);
            if (actions.Count <= actionIndex) Assert.Fail($"No code action #{actionIndex} for {diagnostics[0]}");
            document = await ApplyAsync(document, actions[actionIndex]);
        }

        await AssertFixedAsync(document, expectedFixed, analyzers, fixer, options);
    }

    /// <summary>Fix All in document scope, through the fixer's own FixAllProvider.</summary>
    public static async Task VerifyFixAllAsync<TAnalyzer, TFix>(string markup, string expectedFixed, VerifyOptions? options = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        options ??= VerifyOptions.Default;
        await AnalyzerVerifier.VerifyAsync<TAnalyzer>(markup, options);
        var (source, _) = Markup.Parse(markup);
        var fixer = new TFix();
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new TAnalyzer());
        var document = CreateDocument(source);
        var diagnostics = await GetFixableAsync(document, analyzers, fixer, options);
        if (diagnostics.Length < 2) Assert.Fail("Fix All needs at least two diagnostics to be meaningful; got " + diagnostics.Length);

        var provider = fixer.GetFixAllProvider() ?? throw new InvalidOperationException($"{typeof(TFix).Name} has no FixAllProvider");
        var actions = new List<CodeAction>();
        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostics[0], (a, _) => actions.Add(a), CancellationToken.None));
        var key = actions[0].EquivalenceKey;
        var fixAllContext = new FixAllContext(document, fixer, FixAllScope.Document, key,
            diagnostics.Select(d => d.Id).Distinct(), new FixedDiagnosticProvider(diagnostics), CancellationToken.None);
        var fixAll = await provider.GetFixAsync(fixAllContext) ?? throw new InvalidOperationException("Fix All produced no action");
        document = await ApplyAsync(document, fixAll);
        await AssertFixedAsync(document, expectedFixed, analyzers, fixer, options);
    }

    private static async Task AssertFixedAsync(Document document, string expectedFixed, ImmutableArray<DiagnosticAnalyzer> analyzers, CodeFixProvider fixer, VerifyOptions options)
    {
        var actual = await TextOf(document);
        Assert.Equal(Normalize(expectedFixed), Normalize(actual));
        var compilation = await document.Project.GetCompilationAsync() ?? throw new InvalidOperationException("no compilation");
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0) Assert.Fail("Fixed code does not compile:\n" + string.Join("\n", errors) + "\n" + actual);
        var left = await GetFixableAsync(document, analyzers, fixer, options);
        if (left.Length > 0) Assert.Fail("Fixed code still has fixable diagnostics:\n" + string.Join("\n", left));
    }

    public static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(projectId, VersionStamp.Create(), "TestProject", "TestProject", LanguageNames.CSharp,
                compilationOptions: TestCompilation.CompilationOptions, parseOptions: TestCompilation.ParseOptions,
                metadataReferences: TestCompilation.References));
        var documentId = DocumentId.CreateNewId(projectId);
        solution = solution.AddDocument(documentId, "Test0.cs", SourceText.From(source), filePath: "/0/Test0.cs");
        return solution.GetDocument(documentId)!;
    }

    private static async Task<ImmutableArray<Diagnostic>> GetFixableAsync(Document document, ImmutableArray<DiagnosticAnalyzer> analyzers, CodeFixProvider fixer, VerifyOptions options)
    {
        var compilation = (CSharpCompilation)(await document.Project.GetCompilationAsync())!;
        if (options.RunGenerators) compilation = TestCompilation.RunGenerators(compilation, options);
        var diagnostics = await AnalyzerVerifier.RunAsync(compilation, analyzers, options);
        var tree = await document.GetSyntaxTreeAsync();
        return diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id) && d.Location.SourceTree?.FilePath == tree!.FilePath)
            .OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    private static async Task<Document> ApplyAsync(Document document, CodeAction action)
    {
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        var solution = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        var changed = solution.GetDocument(document.Id)!;
        changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation);
        changed = await Formatter.FormatAsync(changed, Formatter.Annotation);
        return changed;
    }

    private static async Task<string> TextOf(Document document) => (await document.GetTextAsync()).ToString();

    private static string Normalize(string s) => s.Replace("\r\n", "\n").TrimEnd();

    private sealed class FixedDiagnosticProvider(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);
        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);
        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);
    }
}
