using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Sdk;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>The harness checks itself with a toy rule: a call to a method named Bad is reported; the fix renames it to Good.</summary>
public class HarnessSelfTests
{
    [Fact]
    public void Markup_strips_markers_and_records_nested_spans()
    {
        var (source, expected) = Markup.Parse("a{|X1:b{|X2:c|}d|}e[|f|]", defaultId: "D");
        Assert.Equal("abcdef", source);
        Assert.Equal([new ExpectedDiagnostic("X1", new(1, 3)), new ExpectedDiagnostic("X2", new(2, 1)), new ExpectedDiagnostic("D", new(5, 1))], expected);
    }

    [Theory]
    [InlineData("{|X:unclosed")]
    [InlineData("closes|}")]
    [InlineData("{|nocolon")]
    public void Malformed_markup_is_rejected(string markup) => Assert.Throws<FormatException>(() => Markup.Parse(markup));

    [Fact]
    public async Task Reported_span_matching_markup_passes()
        => await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void Bad() { } void M() { {|TOY1:Bad()|}; } }");

    [Fact]
    public async Task Missing_expected_diagnostic_fails()
        => await Assert.ThrowsAsync<FailException>(() => AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void Bad() { } void M() { Bad(); } }"));

    [Fact]
    public async Task Source_that_does_not_compile_fails_unless_allowed()
    {
        await Assert.ThrowsAsync<FailException>(() => AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void M() { Undefined(); } }"));
        await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void M() { Undefined(); } }", new VerifyOptions { AllowCompilerErrors = true });
    }

    [Fact]
    public async Task Analyzer_exception_is_reported_as_AD0001_failure()
    {
        var ex = await Assert.ThrowsAsync<FailException>(() => AnalyzerVerifier.VerifyAsync<ThrowingAnalyzer>("class C { }"));
        Assert.Contains("AD0001", ex.Message);
    }

    [Fact]
    public async Task KmemGen_is_referenced()
        => await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("using KmemGen; class C { Gfp f = Gfp.KernelAccount; }");

    [Fact]
    public async Task Fix_is_applied_until_nothing_is_left()
        => await CodeFixVerifier.VerifyFixAsync<ToyAnalyzer, ToyFix>(
            "class C { void Bad() { } void Good() { } void M() { {|TOY1:Bad()|}; {|TOY1:Bad()|}; } }",
            "class C { void Bad() { } void Good() { } void M() { Good(); Good(); } }");

    [Fact]
    public async Task Fix_all_in_document_fixes_every_occurrence()
        => await CodeFixVerifier.VerifyFixAllAsync<ToyAnalyzer, ToyFix>(
            "class C { void Bad() { } void Good() { } void M() { {|TOY1:Bad()|}; {|TOY1:Bad()|}; } }",
            "class C { void Bad() { } void Good() { } void M() { Good(); Good(); } }");

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ToyAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = new("TOY1", "Bad call", "Call Good instead", "Usage", DiagnosticSeverity.Warning, true);
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(c =>
            {
                var call = (InvocationExpressionSyntax)c.Node;
                if (call.Expression is IdentifierNameSyntax { Identifier.ValueText: "Bad" })
                    c.ReportDiagnostic(Diagnostic.Create(Rule, call.GetLocation()));
            }, SyntaxKind.InvocationExpression);
        }
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [ToyAnalyzer.Rule];
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(_ => throw new InvalidOperationException("boom"), SyntaxKind.ClassDeclaration);
        }
    }

    [ExportCodeFixProvider(LanguageNames.CSharp), Shared]
    public sealed class ToyFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ["TOY1"];
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken);
            var call = root!.FindNode(context.Diagnostics[0].Location.SourceSpan).FirstAncestorOrSelf<InvocationExpressionSyntax>()!;
            context.RegisterCodeFix(CodeAction.Create("Call Good", ct =>
                Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(call.Expression, SyntaxFactory.IdentifierName("Good")))), "Call Good"),
                context.Diagnostics[0]);
        }
    }
}
