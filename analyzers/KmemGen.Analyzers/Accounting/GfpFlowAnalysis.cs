using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Accounting;

/// <summary>
/// Forward may-analysis over the control flow graph of the function containing an allocation: what the
/// Gfp locals and parameters read by its argument may hold when the call runs. Writes are plain and
/// compound (<c>|=</c>, <c>&amp;=</c>) assignments; a variable that is aliased (ref/out, address taken,
/// ref local), written by a nested lambda or local function, or captured from an outer function is
/// unknown, so nothing is reported for it.
/// </summary>
internal sealed class GfpFlowAnalysis
{
    private readonly GfpEvaluator _evaluator;
    private readonly HashSet<ISymbol> _tracked;
    private readonly SyntaxNode _callSyntax;
    private readonly IParameterSymbol _gfpParameter;
    private AccountState _atCall;
    // The graph spills an assignment's target into a capture when the value branches
    // (gfp = c ? a : b): the write then goes through the capture, which names the variable.
    private readonly Dictionary<CaptureId, ISymbol> _captureTargets = new();

    private GfpFlowAnalysis(GfpEvaluator evaluator, HashSet<ISymbol> tracked, SyntaxNode callSyntax, IParameterSymbol gfpParameter)
    {
        _evaluator = evaluator;
        _tracked = tracked;
        _callSyntax = callSyntax;
        _gfpParameter = gfpParameter;
    }

    public static AccountState Run(OperationAnalysisContext context, IInvocationOperation invocation, IArgumentOperation argument, GfpEvaluator evaluator)
    {
        if (argument.Parameter is null) return AccountState.Unknown;
        var innermost = invocation.EnclosingFunction();
        var tracked = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var node in argument.Value.DescendantsAndSelf())
        {
            var symbol = node switch
            {
                ILocalReferenceOperation local => (ISymbol)local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };
            if (symbol is null || !evaluator.IsFlowVariable(symbol)) continue;
            if (!IsOwnedBy(symbol, innermost) || IsAliased(symbol)) return AccountState.Unknown;
            tracked.Add(symbol);
        }

        var root = innermost ?? Root(invocation);
        if (HasUntrackableWrite(root, innermost, tracked, out var written)) return AccountState.Unknown;
        // Fast path, and the common one: flags passed straight through from a parameter nobody writes.
        // Nothing to follow, so no control flow graph is built.
        if (tracked.Count == 0 || tracked.All(symbol => symbol is IParameterSymbol && !written.Contains(symbol))) return AccountState.Unknown;

        var graph = GraphFor(context, invocation);
        if (graph is null) return AccountState.Unknown;
        var analysis = new GfpFlowAnalysis(evaluator, tracked, invocation.Syntax, argument.Parameter);
        return analysis.Solve(graph);
    }

    private AccountState Solve(ControlFlowGraph graph)
    {
        var blocks = graph.Blocks;
        var outStates = new State?[blocks.Length];
        bool changed = true;
        // Finite lattice (two bits per variable), monotone transfer: the loop terminates.
        while (changed)
        {
            changed = false;
            foreach (var block in blocks)
            {
                var input = Input(block, outStates);
                var output = Transfer(block, input, record: false);
                if (outStates[block.Ordinal] is not { } previous || !previous.SameAs(output))
                {
                    outStates[block.Ordinal] = output;
                    changed = true;
                }
            }
        }

        _atCall = AccountState.None;
        foreach (var block in blocks) Transfer(block, Input(block, outStates), record: true);
        return AccountStateLogic.Defined(_atCall);
    }

    private State Input(BasicBlock block, State?[] outStates)
    {
        var input = new State();
        if (block.Kind == BasicBlockKind.Entry)
        {
            // A parameter holds whatever the caller passed.
            foreach (var symbol in _tracked)
            {
                if (symbol is IParameterSymbol) input.Symbols[symbol] = AccountState.Unknown;
            }
            return input;
        }
        if (block.Predecessors.IsEmpty)
        {
            // catch and finally blocks are entered without a drawn edge: anything may hold there.
            foreach (var symbol in _tracked) input.Symbols[symbol] = AccountState.Unknown;
            return input;
        }
        foreach (var branch in block.Predecessors)
        {
            if (outStates[branch.Source.Ordinal] is { } predecessor) input.JoinWith(predecessor);
        }
        return input;
    }

    private State Transfer(BasicBlock block, State input, bool record)
    {
        var state = input.Clone();
        foreach (var operation in block.Operations) Visit(operation, state, record);
        if (block.BranchValue is { } branchValue) Visit(branchValue, state, record);
        return state;
    }

    // Post-order: operands run before the operation that consumes them.
    private void Visit(IOperation operation, State state, bool record)
    {
        foreach (var child in operation.ChildOperations) Visit(child, state, record);
        switch (operation)
        {
            case ISimpleAssignmentOperation assignment when TrackedTarget(assignment.Target) is { } target:
                state.Symbols[target] = assignment.IsRef ? AccountState.Unknown : _evaluator.Evaluate(assignment.Value, state.Symbols, state.Captures);
                break;
            case ICompoundAssignmentOperation compound when TrackedTarget(compound.Target) is { } target:
                var old = state.Symbols.TryGetValue(target, out var current) ? current : AccountState.Unknown;
                var value = _evaluator.Evaluate(compound.Value, state.Symbols, state.Captures);
                state.Symbols[target] = compound.OperatorKind switch
                {
                    BinaryOperatorKind.Or => AccountStateLogic.Or(old, value),
                    BinaryOperatorKind.And => AccountStateLogic.And(old, value),
                    _ => AccountState.Unknown,
                };
                break;
            case IIncrementOrDecrementOperation increment when TrackedTarget(increment.Target) is { } target:
                state.Symbols[target] = AccountState.Unknown;
                break;
            case IFlowCaptureOperation capture:
                state.Captures[capture.Id] = _evaluator.Evaluate(capture.Value, state.Symbols, state.Captures);
                if (TrackedTarget(capture.Value) is { } spilled) _captureTargets[capture.Id] = spilled;
                break;
            case IInvocationOperation invocation when record && invocation.Syntax == _callSyntax:
                foreach (var argument in invocation.Arguments)
                {
                    if (SymbolEqualityComparer.Default.Equals(argument.Parameter, _gfpParameter))
                        _atCall |= _evaluator.Evaluate(argument.Value, state.Symbols, state.Captures);
                }
                break;
        }
    }

    private ISymbol? TrackedTarget(IOperation target)
    {
        var symbol = target switch
        {
            ILocalReferenceOperation local => (ISymbol)local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFlowCaptureReferenceOperation capture when _captureTargets.TryGetValue(capture.Id, out var spilled) => spilled,
            _ => null,
        };
        return symbol is not null && _tracked.Contains(symbol) ? symbol : null;
    }

    private static bool IsOwnedBy(ISymbol symbol, IOperation? function)
    {
        var owner = function switch
        {
            IAnonymousFunctionOperation lambda => (ISymbol)lambda.Symbol,
            ILocalFunctionOperation local => local.Symbol,
            _ => null,
        };
        if (owner is null) return symbol.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction };
        return SymbolEqualityComparer.Default.Equals(symbol.ContainingSymbol, owner);
    }

    private static bool IsAliased(ISymbol symbol)
        => symbol is ILocalSymbol { IsRef: true } || symbol is IParameterSymbol { RefKind: not RefKind.None };

    private static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null) operation = operation.Parent;
        return operation;
    }

    /// <summary>A write the graph of this function cannot see in order: from a nested function, through a ref, or by address.</summary>
    private static bool HasUntrackableWrite(IOperation root, IOperation? function, HashSet<ISymbol> tracked, out HashSet<ISymbol> written)
    {
        written = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var node in root.Descendants())
        {
            var symbol = node switch
            {
                ILocalReferenceOperation local => (ISymbol)local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };
            if (symbol is null || !tracked.Contains(symbol)) continue;
            var parent = node.Parent;
            bool isWrite = parent is ISimpleAssignmentOperation a && a.Target == node
                           || parent is ICompoundAssignmentOperation c && c.Target == node
                           || parent is IIncrementOrDecrementOperation;
            bool isAlias = parent is IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out }
                           || parent is IAddressOfOperation
                           || parent is ISimpleAssignmentOperation { IsRef: true } r && r.Value == node
                           || parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol.IsRef: true } };
            if (isAlias) return true;
            if (isWrite && node.EnclosingFunction() != function) return true;
            if (isWrite) written.Add(symbol);
            // (f, x) = ... : a deconstruction writes through a tuple; not followed.
            if (parent is ITupleOperation or IDeconstructionAssignmentOperation) return true;
        }
        return false;
    }

    private static ControlFlowGraph? GraphFor(OperationAnalysisContext context, IInvocationOperation invocation)
    {
        var chain = new List<IOperation>();
        for (var current = invocation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation) chain.Add(current);
        }
        chain.Reverse();

        ControlFlowGraph? graph = context.GetControlFlowGraph();
        foreach (var function in chain)
        {
            if (graph is null) return null;
            graph = function switch
            {
                ILocalFunctionOperation local when graph.LocalFunctions.Contains(local.Symbol, SymbolEqualityComparer.Default)
                    => graph.GetLocalFunctionControlFlowGraph(local.Symbol, context.CancellationToken),
                IAnonymousFunctionOperation lambda when FindFlowLambda(graph, lambda.Syntax) is { } flow
                    => graph.GetAnonymousFunctionControlFlowGraph(flow, context.CancellationToken),
                _ => null,
            };
        }
        return graph;
    }

    private static IFlowAnonymousFunctionOperation? FindFlowLambda(ControlFlowGraph graph, SyntaxNode syntax)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                if (Find(operation, syntax) is { } found) return found;
            }
            if (block.BranchValue is not null && Find(block.BranchValue, syntax) is { } inBranch) return inBranch;
        }
        return null;
    }

    private static IFlowAnonymousFunctionOperation? Find(IOperation operation, SyntaxNode syntax)
    {
        foreach (var node in operation.DescendantsAndSelf())
        {
            if (node is IFlowAnonymousFunctionOperation flow && flow.Syntax == syntax) return flow;
        }
        return null;
    }

    private sealed class State
    {
        public Dictionary<ISymbol, AccountState> Symbols { get; } = new(SymbolEqualityComparer.Default);
        public Dictionary<CaptureId, AccountState> Captures { get; } = new();

        public State Clone()
        {
            var copy = new State();
            foreach (var pair in Symbols) copy.Symbols[pair.Key] = pair.Value;
            foreach (var pair in Captures) copy.Captures[pair.Key] = pair.Value;
            return copy;
        }

        public void JoinWith(State other)
        {
            foreach (var pair in other.Symbols) Symbols[pair.Key] = (Symbols.TryGetValue(pair.Key, out var mine) ? mine : AccountState.None) | pair.Value;
            foreach (var pair in other.Captures) Captures[pair.Key] = (Captures.TryGetValue(pair.Key, out var mine) ? mine : AccountState.None) | pair.Value;
        }

        public bool SameAs(State other)
            => Same(Symbols, other.Symbols) && Same(Captures, other.Captures);

        private static bool Same<TKey>(Dictionary<TKey, AccountState> a, Dictionary<TKey, AccountState> b) where TKey : notnull
        {
            if (a.Count != b.Count) return false;
            foreach (var pair in a)
            {
                if (!b.TryGetValue(pair.Key, out var value) || value != pair.Value) return false;
            }
            return true;
        }
    }
}
