using System.Collections.Immutable;
using System.Composition;
using KmemGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// The verifiers' configuration checked with a toy rule: a call to a method named Bad is reported (TOY1), the fix
/// renames it to Good. Each test would fail if the setting it names were lost.
/// </summary>
public class VerifierConfigTests
{
    [Fact]
    public async Task Reported_span_matching_markup_passes()
        => await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void Bad() { } void M() { {|TOY1:Bad()|}; } }");

    [Fact]
    public async Task Default_span_markup_stands_for_the_analyzer_single_rule()
        => await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void Bad() { } void M() { [|Bad()|]; } }");

    [Fact]
    public async Task Nested_spans_are_each_expected()
        => await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { int Bad(int x) => x; void M() { {|TOY1:Bad({|TOY1:Bad(1)|})|}; } }");

    [Theory]
    [InlineData("class C { void Bad() { } void M() { {|TOY1:Bad(); } }")]
    [InlineData("class C { void Bad() { } void M() { Bad()|}; } }")]
    [InlineData("class C { void Bad() { } void M() { {|TOY1 Bad()|}; } }")]
    public async Task Malformed_markup_is_rejected(string markup)
        => await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerVerifier.VerifyAsync<ToyAnalyzer>(markup));

    [Fact]
    public async Task Missing_expected_diagnostic_fails()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void Bad() { } void M() { Bad(); } }"));
        Assert.Contains("TOY1", ex.Message);
    }

    [Fact]
    public async Task Unexpected_span_fails()
        => await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void Bad() { } void M() { {|TOY1:Bad|}(); } }"));

    [Fact]
    public async Task Source_that_does_not_compile_fails_unless_allowed()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void M() { Undefined(); } }"));
        Assert.Contains("CS0103", ex.Message);
        await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { void M() { Undefined(); } }", new VerifyOptions { AllowCompilerErrors = true });
    }

    [Fact]
    public async Task Analyzer_exception_is_reported_as_AD0001_failure()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerVerifier.VerifyAsync<ThrowingAnalyzer>("class C { }"));
        Assert.Contains("AD0001", ex.Message);
    }

    [Fact]
    public async Task Raw_diagnostics_fail_on_analyzer_exception()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => AnalyzerVerifier.GetDiagnosticsAsync("class C { }", [new ThrowingAnalyzer()], VerifyOptions.Default));
        Assert.Contains("AD0001", ex.Message);
    }

    [Fact]
    public async Task KmemGen_is_referenced()
        => await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("using KmemGen; class C { Gfp f = Gfp.KernelAccount; }");

    [Fact]
    public async Task Unsafe_code_and_nullable_annotations_compile()
        => await AnalyzerVerifier.VerifyAsync<ToyAnalyzer>("class C { unsafe int* P; string? S; }");

    [Fact]
    public void Framework_comes_from_the_reference_pack()
    {
        Assert.Contains(TestReferences.Framework, r => Path.GetFileName(r.Display) == "System.Runtime.dll");
        Assert.All(TestReferences.Framework, r => Assert.Contains(Path.Combine("packs", "Microsoft.NETCore.App.Ref"), r.Display, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rule_off_by_default_stays_off_unless_enabled()
    {
        await AnalyzerVerifier.VerifyAsync<OffByDefaultAnalyzer>("class C { void Bad() { } void M() { Bad(); } }");
        await AnalyzerVerifier.VerifyAsync<OffByDefaultAnalyzer>("class C { void Bad() { } void M() { {|TOY2:Bad()|}; } }",
            new VerifyOptions { SpecificOptions = new Dictionary<string, ReportDiagnostic> { ["TOY2"] = ReportDiagnostic.Warn } });
    }

    [Fact]
    public async Task Global_options_reach_the_analyzer()
    {
        await AnalyzerVerifier.VerifyAsync<OptionReadingAnalyzer>("class C { }");
        await AnalyzerVerifier.VerifyAsync<OptionReadingAnalyzer>("{|TOY3:class C { }|}",
            new VerifyOptions { GlobalOptions = new Dictionary<string, string> { ["toy.report_classes"] = "true" } });
    }

    [Fact]
    public async Task Generator_output_is_visible_to_analyzers_unless_turned_off()
    {
        const string Source = """
            using KmemGen;
            namespace N { [SlabCharge] public partial struct S { public long A; } }
            class C { object? M() => {|TOY4:typeof(N.S).GetNestedTypes()|}; }
            """;
        await AnalyzerVerifier.VerifyAsync<GeneratedMemberAnalyzer>(Source);
        await AnalyzerVerifier.VerifyAsync<GeneratedMemberAnalyzer>(Source.Replace("{|TOY4:", "").Replace("|}", ""), new VerifyOptions { RunGenerators = false });
    }

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

    [Fact]
    public async Task Fix_all_with_one_diagnostic_is_refused()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => CodeFixVerifier.VerifyFixAllAsync<ToyAnalyzer, ToyFix>(
            "class C { void Bad() { } void Good() { } void M() { {|TOY1:Bad()|}; } }",
            "class C { void Bad() { } void Good() { } void M() { Good(); } }"));
        Assert.Contains("at least two", ex.Message);
    }

    [Fact]
    public async Task A_fix_all_that_disagrees_with_one_by_one_fixing_fails()
        => await Assert.ThrowsAnyAsync<Exception>(() => CodeFixVerifier.VerifyFixAsync<ToyAnalyzer, FirstOnlyFixAll>(
            "class C { void Bad() { } void Good() { } void M() { {|TOY1:Bad()|}; {|TOY1:Bad()|}; } }",
            "class C { void Bad() { } void Good() { } void M() { Good(); Good(); } }"));

    [Fact]
    public async Task A_fixed_text_that_differs_fails()
        => await Assert.ThrowsAnyAsync<Exception>(() => CodeFixVerifier.VerifyFixAsync<ToyAnalyzer, ToyFix>(
            "class C { void Bad() { } void Good() { } void M() { {|TOY1:Bad()|}; } }",
            "class C { void Bad() { } void Good() { } void M() { Bad(); } }"));

    [Fact]
    public async Task No_fix_offered_is_verified()
    {
        await CodeFixVerifier.VerifyNoFixAsync<ToyAnalyzer, NoActionFix>("class C { void Bad() { } void M() { {|TOY1:Bad()|}; } }");
        await Assert.ThrowsAnyAsync<Exception>(() => CodeFixVerifier.VerifyNoFixAsync<ToyAnalyzer, ToyFix>(
            "class C { void Bad() { } void Good() { } void M() { {|TOY1:Bad()|}; } }"));
    }

    /// <summary>Reports every call to a method named Bad with its one rule.</summary>
    public abstract class BadCallAnalyzer(DiagnosticDescriptor rule) : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [rule];
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(c =>
            {
                if (c.Node is InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Bad" } } call)
                {
                    c.ReportDiagnostic(Diagnostic.Create(rule, call.GetLocation()));
                }
            }, SyntaxKind.InvocationExpression);
        }
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ToyAnalyzer() : BadCallAnalyzer(Rule)
    {
        internal static readonly DiagnosticDescriptor Rule = new("TOY1", "Bad call", "Call Good instead", "Usage", DiagnosticSeverity.Warning, true);
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class OffByDefaultAnalyzer() : BadCallAnalyzer(s_rule)
    {
        private static readonly DiagnosticDescriptor s_rule = new("TOY2", "Bad call", "Call Good instead", "Usage", DiagnosticSeverity.Warning, isEnabledByDefault: false);
    }

    /// <summary>Reports every class when the global option toy.report_classes is true.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class OptionReadingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor s_rule = new("TOY3", "Class", "Class", "Usage", DiagnosticSeverity.Warning, true);
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [s_rule];
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(c =>
            {
                if (c.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue("toy.report_classes", out var on) && on == "true")
                {
                    c.ReportDiagnostic(Diagnostic.Create(s_rule, c.Node.GetLocation()));
                }
            }, SyntaxKind.ClassDeclaration);
        }
    }

    /// <summary>Reports <c>typeof(T).GetNestedTypes()</c> when T has a member the source does not declare (one the generator added).</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GeneratedMemberAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor s_rule = new("TOY4", "Generated", "Type has generated members", "Usage", DiagnosticSeverity.Warning, true);
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [s_rule];
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(c =>
            {
                var call = (InvocationExpressionSyntax)c.Node;
                if (call.Expression is MemberAccessExpressionSyntax { Expression: TypeOfExpressionSyntax typeOf }
                    && c.SemanticModel.GetTypeInfo(typeOf.Type).Type is INamedTypeSymbol type
                    && type.GetMembers().Any(m => !m.IsImplicitlyDeclared && m.DeclaringSyntaxReferences.Any(r => r.SyntaxTree != typeOf.SyntaxTree)))
                {
                    c.ReportDiagnostic(Diagnostic.Create(s_rule, call.GetLocation()));
                }
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

    /// <summary>Fixes one diagnostic correctly, but its Fix All only fixes the first occurrence.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp), Shared]
    public sealed class FirstOnlyFixAll : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ["TOY1"];
        public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
        {
            var root = await document.GetSyntaxRootAsync(context.CancellationToken);
            var call = root!.FindNode(diagnostics[0].Location.SourceSpan).FirstAncestorOrSelf<InvocationExpressionSyntax>()!;
            return document.WithSyntaxRoot(root.ReplaceNode(call.Expression, SyntaxFactory.IdentifierName("Good")));
        });
        public override Task RegisterCodeFixesAsync(CodeFixContext context) => new ToyFix().RegisterCodeFixesAsync(context);
    }

    [ExportCodeFixProvider(LanguageNames.CSharp), Shared]
    public sealed class NoActionFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ["TOY1"];
        public override FixAllProvider? GetFixAllProvider() => null;
        public override Task RegisterCodeFixesAsync(CodeFixContext context) => Task.CompletedTask;
    }
}
