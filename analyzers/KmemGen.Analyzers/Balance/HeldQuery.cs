using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>What the balance engine says about a reference at one operation.</summary>
internal enum Held
{
    /// <summary>The engine cannot tell (the local is not tracked, the body was given up, the point is unreachable).</summary>
    Unknown,
    /// <summary>On some path reaching the operation, no reference is held.</summary>
    No,
    /// <summary>On every path reaching the operation a reference is held (or was handed over, so one still exists).</summary>
    Yes,
}

/// <summary>
/// "Is a reference held here?" for the RCU rules (KMEM0101, KMEM0105), asked of the balance engine instead of
/// re-derived from the text: it is the same path-sensitive flow, so a reference taken on one branch and given
/// back before the join does not count after it, and `if (!x.CssTryGet()) return;` counts on every path after.
/// </summary>
internal static class HeldQuery
{
    /// <summary>
    /// For each of <paramref name="points"/> (syntax of an operation in the body of <paramref name="inBody"/>: a local
    /// reference or a call), whether <paramref name="holder"/> holds one of <paramref name="resources"/> (any resource
    /// when empty) on every path reaching it, before the operation itself runs.
    /// </summary>
    public static Dictionary<SyntaxNode, Held> At(IOperation inBody, ILocalSymbol holder, IReadOnlyCollection<string> resources,
        IReadOnlyCollection<SyntaxNode> points, OwnershipSymbols symbols, ISymbol? owningSymbol, CancellationToken cancellation)
    {
        var answers = new Dictionary<SyntaxNode, Held>();
        var (graph, method) = GraphOf(inBody, owningSymbol, cancellation);
        if (graph is null) return answers;
        var root = inBody;
        while (root.Parent is not null) root = root.Parent;
        var model = BodyModel.Build(graph, method, symbols, BalanceAnalyzer.CapturedLocals(root));
        if (model is null || !model.KeysByHolder.TryGetValue(holder, out var allKeys)) return answers;
        var keys = allKeys.Where(k => resources.Count == 0 || resources.Contains(model.Keys[k].Resource)).ToList();
        if (keys.Count == 0) return answers;

        var wanted = new HashSet<SyntaxNode>(points);
        var seen = new Dictionary<SyntaxNode, bool>();
        void Observe(IOperation op, FlowState state, BasicBlock block)
        {
            if (!wanted.Contains(op.Syntax) || op is not (ILocalReferenceOperation or IInvocationOperation or IPropertyReferenceOperation)) return;
            bool held = keys.Any(k => HeldOnEveryPath(state[k], model, block));
            seen[op.Syntax] = seen.TryGetValue(op.Syntax, out var before) ? before && held : held;
        }
        if (BalanceFlow.Analyze(model, cancellation, BalanceFlow.DefaultBudget, Observe) is null) return answers;
        foreach (var pair in seen) answers[pair.Key] = pair.Value ? Held.Yes : Held.No;
        return answers;
    }

    /// <summary>
    /// Held on every path the state stands for: only Held (or handed over) facts, or held exactly when a bool is true in a
    /// block only that bool's test leads into (`var ok = m.CssTryGet(); if (ok) …`; the other flags beside the condition
    /// are the paths where it is false, as after `bool ok = c &amp;&amp; m.CssTryGet();`), or exactly when the holder itself
    /// is not null.
    /// </summary>
    private static bool HeldOnEveryPath(KeyState st, BodyModel model, BasicBlock block)
    {
        const HoldFlags HeldFacts = HoldFlags.Held | HoldFlags.Escaped | HoldFlags.Null;
        if ((st.Flags & HoldFlags.Cond) == 0) return (st.Flags & ~HeldFacts) == 0 && (st.Flags & (HoldFlags.Held | HoldFlags.Escaped)) != 0;
        if (st.CondLent) return false;
        if (!st.CondIsNonNull)
        {
            var guard = model.GuardOf(block);
            return guard.Local is not null && SymbolEqualityComparer.Default.Equals(guard.Local, st.Cond) && guard.Negated == st.CondNegated;
        }
        return (st.Flags & ~(HeldFacts | HoldFlags.Cond)) == 0;
    }

    /// <summary>The control-flow graph of the function (method, local function or lambda) whose body holds the operation.</summary>
    private static (ControlFlowGraph? Graph, IMethodSymbol? Method) GraphOf(IOperation operation, ISymbol? owningSymbol, CancellationToken cancellation)
    {
        var functions = new List<IOperation>();
        IOperation root = operation;
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation) functions.Add(current);
            root = current;
        }
        ControlFlowGraph? graph;
        try
        {
            graph = root switch
            {
                IMethodBodyOperation body => ControlFlowGraph.Create(body, cancellation),
                IConstructorBodyOperation body => ControlFlowGraph.Create(body, cancellation),
                IBlockOperation block => ControlFlowGraph.Create(block, cancellation),
                _ => null,
            };
        }
        catch (ArgumentException)
        {
            return default;
        }
        var method = owningSymbol as IMethodSymbol;
        for (int i = functions.Count - 1; i >= 0 && graph is not null; i--)
        {
            switch (functions[i])
            {
                case ILocalFunctionOperation local when graph.LocalFunctions.Contains(local.Symbol, SymbolEqualityComparer.Default):
                    graph = graph.GetLocalFunctionControlFlowGraph(local.Symbol, cancellation);
                    method = local.Symbol;
                    break;
                case IAnonymousFunctionOperation lambda when FlowLambda(graph, lambda.Symbol) is { } flow:
                    graph = graph.GetAnonymousFunctionControlFlowGraph(flow, cancellation);
                    method = lambda.Symbol;
                    break;
                default:
                    return default;
            }
        }
        return (graph, method);
    }

    private static IFlowAnonymousFunctionOperation? FlowLambda(ControlFlowGraph graph, IMethodSymbol symbol)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var op in block.Operations.Concat(block.BranchValue is null ? Enumerable.Empty<IOperation>() : new[] { block.BranchValue }))
            {
                foreach (var lambda in op.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                {
                    if (SymbolEqualityComparer.Default.Equals(lambda.Symbol, symbol)) return lambda;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Whether any call or property in <paramref name="body"/> acquires a resource on <paramref name="local"/> (its receiver
    /// or an argument): without one no reference can be held and the engine need not run.
    /// </summary>
    public static bool AnyAcquireOn(IOperation body, ILocalSymbol local, OwnershipResolver resolver, IOperation? except = null)
    {
        foreach (var op in body.DescendantsAndSelf())
        {
            if (ReferenceEquals(op, except) || FlowOperations.MethodOf(op) is not { } method || resolver.Get(method).Acquires.IsEmpty) continue;
            var instance = op switch
            {
                IInvocationOperation invocation => invocation.Instance,
                IPropertyReferenceOperation property => property.Instance,
                _ => null,
            };
            if (IsLocal(instance, local)) return true;
            foreach (var argument in FlowOperations.ArgumentsOf(op))
            {
                if (IsLocal(argument.Value, local)) return true;
            }
        }
        return false;
    }

    private static bool IsLocal(IOperation? op, ILocalSymbol local)
        => op?.WalkDownConversions() is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local);
}
