using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// Summaries inferred from a method's body, as smatch infers "releases the lock when it returns true": an unannotated
/// method of this compilation that returns a bool saying whether it gave back a resource of its receiver. Proven on
/// every path of the body's control-flow graph: each `return true` after exactly one release of the resource on
/// <c>this</c>, each `return false` after none, no acquire of it, no other value returned, no try region; otherwise
/// no summary (the call stays an ordinary call).
/// </summary>
internal static class ConditionalSummaries
{
    /// <summary>Blocks of a body worth summarising: past this the method is not summarised.</summary>
    private const int MaxBlocks = 64;

    /// <summary>Release counts on a path: none, one, more than one (bits of a set).</summary>
    private const int None = 1, One = 2, Many = 4;

    public static ImmutableArray<string> ReleasesWhenTrue(IMethodSymbol method, Compilation compilation, OwnershipSymbols symbols)
    {
        if (method.IsAbstract || method.IsVirtual || method.IsOverride || method.IsExtern || method.DeclaringSyntaxReferences.Length != 1) return ImmutableArray<string>.Empty;
        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax();
#pragma warning disable RS1030 // A summary reads the body of another method of the same compilation, once, cached per compilation.
        var model = compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
        if (model.GetOperation(syntax) is not IMethodBodyOperation body) return ImmutableArray<string>.Empty;
        // Cheap before any graph is built: most bool methods release nothing of their receiver.
        if (!body.Descendants().OfType<IInvocationOperation>().Any(call => OnThis(call) && !symbols.Get(call.TargetMethod).Releases.IsEmpty))
            return ImmutableArray<string>.Empty;
        var graph = ControlFlowGraph.Create(body);
        if (graph.Blocks.Length > MaxBlocks) return ImmutableArray<string>.Empty;
        foreach (var block in graph.Blocks)
        {
            for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind is not (ControlFlowRegionKind.Root or ControlFlowRegionKind.LocalLifetime)) return ImmutableArray<string>.Empty;
            }
        }

        var released = new List<string>();
        foreach (var block in graph.Blocks)
        {
            foreach (var call in Calls(block))
            {
                if (!OnThis(call)) continue;
                var own = symbols.Get(call.TargetMethod);
                if (!own.Acquires.IsEmpty) return ImmutableArray<string>.Empty;
                foreach (var resource in own.Releases) if (!released.Contains(resource)) released.Add(resource);
            }
        }
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var resource in released)
        {
            if (ProvenReleasedWhenTrue(graph, resource, symbols)) result.Add(resource);
        }
        return result.ToImmutable();
    }

    private static IEnumerable<IInvocationOperation> Calls(BasicBlock block)
    {
        foreach (var op in block.Operations)
        {
            foreach (var call in op.DescendantsAndSelf().OfType<IInvocationOperation>()) yield return call;
        }
        if (block.BranchValue is not null)
        {
            foreach (var call in block.BranchValue.DescendantsAndSelf().OfType<IInvocationOperation>()) yield return call;
        }
    }

    private static bool OnThis(IInvocationOperation call)
        => call.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

    /// <summary>Forward over the graph: the set of release counts reaching each block; then every return is checked.</summary>
    private static bool ProvenReleasedWhenTrue(ControlFlowGraph graph, string resource, OwnershipSymbols symbols)
    {
        var input = new int[graph.Blocks.Length];
        input[0] = None;
        bool anyTrue = false;
        var work = new SortedSet<int> { 0 };
        while (work.Count > 0)
        {
            int ordinal = work.Min;
            work.Remove(ordinal);
            var block = graph.Blocks[ordinal];
            int counts = input[ordinal];
            foreach (var call in Calls(block))
            {
                if (OnThis(call) && symbols.Get(call.TargetMethod).Releases.Contains(resource)) counts = Shift(counts);
            }
            foreach (var branch in new[] { block.ConditionalSuccessor, block.FallThroughSuccessor })
            {
                if (branch?.Destination is not { } destination) continue;
                if (branch.Semantics == ControlFlowBranchSemantics.Return)
                {
                    // `return true` after exactly one release, `return false` after none; any other value: no summary.
                    if (block.BranchValue?.ConstantValue is not { HasValue: true, Value: bool value }) return false;
                    if (counts != (value ? One : None)) return false;
                    anyTrue |= value;
                    continue;
                }
                if (branch.Semantics != ControlFlowBranchSemantics.Regular) continue; // a throw: not a return
                int joined = input[destination.Ordinal] | counts;
                if (joined == input[destination.Ordinal]) continue;
                input[destination.Ordinal] = joined;
                work.Add(destination.Ordinal);
            }
        }
        return anyTrue;
    }

    private static int Shift(int counts)
    {
        int shifted = 0;
        if ((counts & None) != 0) shifted |= One;
        if ((counts & (One | Many)) != 0) shifted |= Many;
        return shifted;
    }
}
