using System.Collections.Immutable;
using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>Never throws (AD0001 is a bug), gives up silently when over budget, registers nothing without KmemGen.</summary>
public class RobustnessTests
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> s_analyzer = [new BalanceAnalyzer()];

    [Theory]
    [InlineData("using KmemGen; class C { void M(ObjCgroup o) { if (!o.TryCharge( ) return; o.Uncharge(; } }")]
    [InlineData("using KmemGen; class C { void M(MemCgroup cg) { cg.CssGet(); goto missing; cg.CssPut(); } }")]
    [InlineData("using KmemGen; class C { void M() { var o = ObjCgroup.FromCurrent(); o.Put(); o.Nope(); } }")]
    [InlineData("using KmemGen; class C { void M(MemCgroup cg) { cg.CssGet(); try { } finally { cg.CssPut(); ")]
    [InlineData("using KmemGen; class C { int M(MemCgroup cg) { if (cg.CssTryGet()) { return; } } }")]
    [InlineData("using KmemGen; class C { void M(Undefined u) { u.CssGet(); u.CssPut(); } }")]
    [InlineData("using KmemGen; class C { void M(MemCgroup cg) => cg.CssGet(); cg.CssPut(); }")]
    [InlineData("using KmemGen; class C { void M(MemCgroup cg) { switch (cg.CssTryGet()) { case true: cg.CssPut(); case false: break; } } }")]
    [InlineData("using KmemGen; class C { void M(ObjCgroup o) { while (o.TryCharge(1)) { break; continue; } o.Uncharge(); } }")]
    [InlineData("using KmemGen; class C { C() : this(ObjCgroup.FromCurrent()) { } C(ObjCgroup? o) { o.TryCharge(1) } }")]
    public async Task Incomplete_code_never_crashes_the_analyzer(string source)
    {
        // GetDiagnosticsAsync fails the test on any analyzer exception (AD0001).
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(source, s_analyzer, new VerifyOptions { AllowCompilerErrors = true });
        Assert.All(diagnostics, d => Assert.StartsWith("KMEM02", d.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nothing_is_registered_when_KmemGen_is_not_referenced()
    {
        var source = """
            namespace Other { public sealed class AcquiresAttribute(string r) : System.Attribute { } }
            class C { [Other.Acquires("x")] bool TryGet() => true; void M() { TryGet(); } }
            """;
        var without = CSharpCompilation.Create("NoKmemGen", [CSharpSyntaxTree.ParseText(source, TestCompilation.ParseOptions)],
            TestCompilation.References.Where(r => !(r.Display ?? "").EndsWith("KmemGen.dll", StringComparison.Ordinal)),
            TestCompilation.CompilationOptions);
        var withKmemGen = TestCompilation.Create([source], new VerifyOptions { RunGenerators = false });

        var none = await TelemetryAsync(without);
        var some = await TelemetryAsync(withKmemGen);

        Assert.Equal(0, none.OperationActionsCount + none.OperationBlockActionsCount);
        Assert.True(some.OperationActionsCount > 0 && some.OperationBlockActionsCount > 0);
    }

    private static async Task<AnalyzerTelemetryInfo> TelemetryAsync(Compilation compilation)
    {
        var withAnalyzers = compilation.WithAnalyzers(s_analyzer, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
        await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        return await withAnalyzers.GetAnalyzerTelemetryInfoAsync(s_analyzer[0], CancellationToken.None);
    }

    [Fact]
    public void Over_budget_the_body_is_given_up_silently()
    {
        var source = """
            using KmemGen;
            class C
            {
                int M(MemCgroup parent, bool early)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    if (early) return -1;
                    cg.CssPut();
                    return 0;
                }
            }
            """;
        Assert.Equal(["KMEM0201"], Analyze(source, BalanceFlow.DefaultBudget));
        Assert.Empty(Analyze(source, budget: 2));
    }

    [Fact]
    public void Deep_loop_nest_converges_within_the_default_budget()
    {
        // 12 nested loops, each acquiring and releasing its own reference; the innermost returns early holding all 12.
        // The lattice is finite, so the fixpoint is reached well within the budget.
        var body = new System.Text.StringBuilder();
        for (int i = 0; i < 12; i++) body.Append($"for (int i{i} = 0; i{i} < n; i{i}++) {{ var c{i} = cg; if (!c{i}.CssTryGet()) continue; ");
        body.Append("if (n == 7) return -1; ");
        for (int i = 11; i >= 0; i--) body.Append($"c{i}.CssPut(); }} ");
        var source = "using KmemGen; class C { int M(MemCgroup parent, int n) { var cg = parent.CreateChild(\"t\"); " + body + " return 0; } }";
        Assert.Equal(Enumerable.Repeat("KMEM0201", 12), Analyze(source, BalanceFlow.DefaultBudget));
    }

    private static List<string> Analyze(string source, int budget)
    {
        var compilation = TestCompilation.Create([source], new VerifyOptions { RunGenerators = false });
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        var method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();
        var body = (IMethodBodyOperation)model.GetOperation(method)!;
        var symbols = OwnershipSymbols.TryCreate(compilation)!;
        var found = new List<string>();
        BalanceAnalyzer.AnalyzeGraph(ControlFlowGraph.Create(body), model.GetDeclaredSymbol(method), symbols,
            BalanceAnalyzer.CapturedLocals(body), d => found.Add(d.Id), CancellationToken.None, budget);
        return found;
    }
}
