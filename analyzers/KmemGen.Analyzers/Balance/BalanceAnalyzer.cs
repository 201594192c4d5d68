using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// Acquire/release balance from the ownership annotations ([Acquires], [Releases], [TransfersOwnership]):
/// leaks on some path (KMEM0201) or only on exception paths (KMEM0202), releases with nothing held
/// (KMEM0203), ignored Try results (KMEM0204), mismatched amounts (KMEM0205). The kernel's tools for the
/// same bugs: sparse context imbalance, smatch check_unwind, coccinelle mini_lock.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BalanceAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        BalanceDescriptors.AcquireLeaked,
        BalanceDescriptors.AcquireLeakedOnException,
        BalanceDescriptors.UnbalancedRelease,
        BalanceDescriptors.AcquireResultIgnored,
        BalanceDescriptors.ReleaseAmountMismatch);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            // Nothing is registered when KmemGen (and so its attributes) is not referenced.
            var symbols = OwnershipSymbols.TryCreate(start.Compilation);
            if (symbols is null) return;
            start.RegisterOperationAction(c => IgnoredResult.Analyze(c, symbols), OperationKind.Invocation, OperationKind.PropertyReference);
            start.RegisterOperationBlockAction(c => AnalyzeBlocks(c, symbols));
        });
    }

    private static void AnalyzeBlocks(OperationBlockAnalysisContext context, OwnershipSymbols symbols)
    {
        var seen = new HashSet<IOperation>();
        foreach (var operationBlock in context.OperationBlocks)
        {
            // A method's body arrives as its IBlockOperation under an IMethodBodyOperation; the graph is built for the root.
            var root = operationBlock;
            while (root.Parent is not null) root = root.Parent;
            if (root is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation) || !seen.Add(root)) continue;
            // Cheap pre-filter before any control-flow work: no annotated call, nothing to do.
            if (!HasAnnotatedCall(root, symbols)) continue;
            var captured = CapturedLocals(root);
            var graph = context.GetControlFlowGraph(operationBlock);
            AnalyzeGraph(graph, context.OwningSymbol as IMethodSymbol, symbols, captured, context.ReportDiagnostic, context.CancellationToken);
        }
    }

    /// <summary>Analyses one graph, then each local function and lambda in it on its own graph.</summary>
    internal static void AnalyzeGraph(ControlFlowGraph graph, IMethodSymbol? method, OwnershipSymbols symbols, ISet<ISymbol> captured,
        Action<Diagnostic> report, CancellationToken cancellation, int budget = BalanceFlow.DefaultBudget)
    {
        var model = BodyModel.Build(graph, method, symbols, captured);
        if (model is not null && BalanceFlow.Analyze(model, cancellation, budget) is { } findings)
        {
            foreach (var diagnostic in findings.ToDiagnostics()) report(diagnostic);
        }

        foreach (var localFunction in graph.LocalFunctions)
            AnalyzeGraph(graph.GetLocalFunctionControlFlowGraph(localFunction, cancellation), localFunction, symbols, captured, report, cancellation, budget);

        foreach (var block in graph.Blocks)
        {
            foreach (var op in block.Operations.Concat(block.BranchValue is null ? Enumerable.Empty<IOperation>() : new[] { block.BranchValue }))
            {
                foreach (var lambda in op.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                    AnalyzeGraph(graph.GetAnonymousFunctionControlFlowGraph(lambda, cancellation), lambda.Symbol, symbols, captured, report, cancellation, budget);
            }
        }
    }

    private static bool HasAnnotatedCall(IOperation root, OwnershipSymbols symbols)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            if (FlowOperations.MethodOf(op) is { } method && symbols.Get(method).IsAnnotated) return true;
        }
        return false;
    }

    /// <summary>Locals used inside a lambda or local function other than their own: ownership may move there, so we do not track them.</summary>
    internal static ISet<ISymbol> CapturedLocals(IOperation root)
    {
        var captured = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var op in root.Descendants())
        {
            IMethodSymbol? function = op switch
            {
                IAnonymousFunctionOperation lambda => lambda.Symbol,
                ILocalFunctionOperation local => local.Symbol,
                _ => null,
            };
            if (function is null) continue;
            foreach (var reference in op.Descendants().OfType<ILocalReferenceOperation>())
            {
                if (!SymbolEqualityComparer.Default.Equals(reference.Local.ContainingSymbol, function)) captured.Add(reference.Local);
            }
        }
        return captured;
    }
}
