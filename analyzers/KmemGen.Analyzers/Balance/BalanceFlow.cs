using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// Forward dataflow over one control-flow graph: which resource instances may be held at each block.
/// Each block's input is the union of its predecessors' outputs (a finite lattice, so the worklist
/// terminates); finally regions are run inline per edge, with the state that edge carries, so a return
/// inside a using block does not mix with the paths that fall through it. Findings are recorded only in a
/// replay over the fixed point, never from an intermediate state. The whole run is bounded by a visit
/// budget; over budget, the body is given up silently (no findings rather than wrong ones or a hang).
/// </summary>
internal sealed partial class BalanceFlow
{
    /// <summary>Block visits per body (fixpoint and replay, finally runs included) before giving up.</summary>
    public const int DefaultBudget = 200_000;

    private readonly BodyModel _m;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<(int Region, FlowState State, bool Report), FlowState?> _finallyCache = new();
    private readonly BalanceFindings _findings;
    private readonly int _exitOrdinal;
    private int _budget;
    /// <summary>Called in the replay, before each operation's transfer, with the state reaching it (<see cref="HeldQuery"/>).</summary>
    private readonly Action<IOperation, FlowState, BasicBlock>? _observe;

    private BalanceFlow(BodyModel model, int budget, CancellationToken cancellation, Action<IOperation, FlowState, BasicBlock>? observe = null)
    {
        _observe = observe;
        _m = model;
        _budget = budget;
        _cancellation = cancellation;
        _findings = new BalanceFindings(model);
        _exitOrdinal = model.Graph.Blocks.Length - 1;
    }

    /// <summary>Runs the analysis; null when it gave up (budget exhausted).</summary>
    public static BalanceFindings? Analyze(BodyModel model, CancellationToken cancellation, int budget = DefaultBudget)
        => Analyze(model, cancellation, budget, null);

    /// <summary>
    /// Runs the analysis and shows <paramref name="observe"/> the state reaching each operation in the replay over the
    /// fixed point (once per path class: a finally region once per state it is entered with); null when it gave up.
    /// </summary>
    public static BalanceFindings? Analyze(BodyModel model, CancellationToken cancellation, int budget, Action<IOperation, FlowState, BasicBlock>? observe)
    {
        var flow = new BalanceFlow(model, budget, cancellation, observe);
        var initial = new KeyState[model.Keys.Count];
        for (int i = 0; i < initial.Length; i++)
        {
            // A parameter, field or this may already hold the resource when we are called; a local of ours cannot.
            initial[i] = new KeyState(model.Strict[i] ? HoldFlags.Unheld : HoldFlags.Entry, 0, 0, null, false);
        }
        try
        {
            flow.RunRange(0, flow._exitOrdinal, new FlowState(initial), report: true);
            flow.JudgeSuccessExits();
        }
        catch (BudgetExhausted)
        {
            return null;
        }
        return flow._findings;
    }

    private sealed class BudgetExhausted : Exception { }

    private void Spend()
    {
        _cancellation.ThrowIfCancellationRequested();
        if (--_budget < 0) throw new BudgetExhausted();
    }

    /// <summary>One worklist run over the blocks [first, last] from the block First.</summary>
    private sealed class Run
    {
        public Run(int first, int last)
        {
            First = first;
            Last = last;
            In = new FlowState?[last - first + 1];
            Queued = new bool[last - first + 1];
        }

        public int First { get; }
        public int Last { get; }
        public FlowState?[] In { get; }
        public bool[] Queued { get; }
        /// <summary>Lowest ordinal first: blocks are laid out in program order, so loops converge in few passes.</summary>
        public SortedSet<int> Work { get; } = new();
        /// <summary>Joined state at the end of a finally region (its StructuredExceptionHandling exits).</summary>
        public FlowState? Output { get; set; }
        public bool Replaying { get; set; }

        public bool Contains(int ordinal) => ordinal >= First && ordinal <= Last;

        public void Join(int ordinal, FlowState state)
        {
            if (Replaying || !Contains(ordinal)) return;
            int i = ordinal - First;
            var joined = FlowState.Join(In[i], state);
            if (ReferenceEquals(joined, In[i])) return;
            In[i] = joined;
            if (!Queued[i])
            {
                Queued[i] = true;
                Work.Add(i);
            }
        }
    }

    private FlowState? RunRange(int first, int last, FlowState input, bool report)
    {
        var run = new Run(first, last);
        run.Join(first, input);
        var blocks = _m.Graph.Blocks;
        while (run.Work.Count > 0)
        {
            int i = run.Work.Min;
            run.Work.Remove(i);
            run.Queued[i] = false;
            Spend();
            ProcessBlock(run, blocks[first + i], run.In[i]!, report: false);
        }
        if (report)
        {
            // Replay once over the fixed point: only now are findings recorded.
            run.Replaying = true;
            for (int i = 0; i < run.In.Length; i++)
            {
                if (run.In[i] is { } state)
                {
                    Spend();
                    ProcessBlock(run, blocks[first + i], state, report: true);
                }
            }
        }
        return run.Output;
    }

    private FlowState? RunFinally(ControlFlowRegion finallyRegion, FlowState input, bool report)
    {
        var key = (finallyRegion.FirstBlockOrdinal, input.Freeze(), report);
        if (_finallyCache.TryGetValue(key, out var cached)) return cached;
        var output = RunRange(finallyRegion.FirstBlockOrdinal, finallyRegion.LastBlockOrdinal, input, report);
        _finallyCache[key] = output;
        return output;
    }

    /// <summary>Per-block context the transfer functions need.</summary>
    private readonly struct Ctx
    {
        public Ctx(Run run, BasicBlock block, bool report)
        {
            Run = run;
            Block = block;
            Report = report;
        }

        public Run Run { get; }
        public BasicBlock Block { get; }
        public bool Report { get; }
    }

    private void ProcessBlock(Run run, BasicBlock block, FlowState state, bool report)
    {
        var ctx = new Ctx(run, block, report);

        foreach (var op in block.Operations) state = Visit(op, state, ctx, 0);

        if (block.ConditionKind != ControlFlowConditionKind.None && block.BranchValue is not null)
        {
            var core = FlowOperations.UnwrapNot(block.BranchValue, out bool negated);
            FlowState whenTrue, whenFalse;
            if (core is not null && FlowOperations.IsCall(core) && _m.SitesOf(core) is { } sites && sites[0].IsBranch)
            {
                // `if (x.TryCharge(n))`: the receiver and arguments run, then the acquire happens on the true edge only.
                foreach (var child in core.ChildOperations) state = Visit(child, state, ctx, 1);
                state.Freeze(); // both edges start from it
                if (report) _observe?.Invoke(core, state, block);
                whenTrue = state;
                whenFalse = state;
                foreach (var site in sites)
                {
                    // `if (callerHolds || TryLock())`: ours exactly when the disjunction's first operand was false.
                    var held = site.Cond is not null ? whenTrue[site.Key].WithCond(site.Cond, nonNull: false, site.Mask, site.CondNegated) : whenTrue[site.Key].With(HoldFlags.Held, site.Mask);
                    whenTrue = whenTrue.Set(site.Key, held.WithDirty(whenTrue[site.Key].Dirty & ~site.Mask));
                    // A failed Try acquired nothing: whatever we believed the holder held before, a release now is a bug.
                    whenFalse = whenFalse.Set(site.Key, whenFalse[site.Key].With(HoldFlags.Unheld, 0));
                }
            }
            else
            {
                state = Visit(block.BranchValue, state, ctx, 0).Freeze();
                (whenTrue, whenFalse) = Refine(core, state);
            }
            if (negated) (whenTrue, whenFalse) = (whenFalse, whenTrue);
            bool conditionalOnTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
            Propagate(run, block, block.ConditionalSuccessor, conditionalOnTrue ? whenTrue : whenFalse, report);
            Propagate(run, block, block.FallThroughSuccessor, conditionalOnTrue ? whenFalse : whenTrue, report);
        }
        else
        {
            if (block.BranchValue is not null) state = Visit(block.BranchValue, state, ctx, 0);
            Propagate(run, block, block.FallThroughSuccessor, state, report);
        }
    }

    private void Propagate(Run run, BasicBlock from, ControlFlowBranch? branch, FlowState state, bool report)
    {
        if (branch is null) return;
        state.Freeze();
        switch (branch.Semantics)
        {
            case ControlFlowBranchSemantics.Throw:
            case ControlFlowBranchSemantics.Rethrow:
                HandleException(run, from, state, from.BranchValue ?? from.Operations.LastOrDefault(), explicitThrow: true, report);
                return;
            case ControlFlowBranchSemantics.StructuredExceptionHandling:
                run.Output = FlowState.Join(run.Output, state);
                return;
            case ControlFlowBranchSemantics.Regular:
            case ControlFlowBranchSemantics.Return:
                break;
            default:
                // Error (invalid code), ProgramTermination: no path to check.
                return;
        }
        foreach (var finallyRegion in branch.FinallyRegions)
        {
            var after = RunFinally(finallyRegion, state, report);
            if (after is null) return; // the finally never completes normally
            state = after;
        }
        var destination = branch.Destination;
        if (destination is null) return;
        if (destination.Ordinal == _exitOrdinal)
        {
            if (report)
            {
                var returned = branch.Semantics == ControlFlowBranchSemantics.Return ? from.BranchValue : null;
                ObserveExit(state, returned, ExitKind.Normal, returned);
            }
            return;
        }
        run.Join(destination.Ordinal, state);
    }

    /// <summary>
    /// An exception leaves <paramref name="block"/>: finally regions on the way out run, an enclosing catch
    /// receives the state (we assume it catches), and if none does the method exits exceptionally.
    /// </summary>
    private FlowState HandleException(Run run, BasicBlock block, FlowState state, IOperation? thrower, bool explicitThrow, bool report)
    {
        var unchanged = state.Freeze();
        ControlFlowRegion? child = null;
        for (var region = block.EnclosingRegion; region is not null; child = region, region = region.EnclosingRegion)
        {
            if (child is not { Kind: ControlFlowRegionKind.Try }) continue;
            if (region.Kind == ControlFlowRegionKind.TryAndFinally && region.NestedRegions.Length > 1)
            {
                var after = RunFinally(region.NestedRegions[1], state, report);
                if (after is null) return unchanged;
                state = after;
            }
            else if (region.Kind == ControlFlowRegionKind.TryAndCatch)
            {
                FeedHandlers(run, child, explicitThrow ? state : Caught(state, thrower, report));
                return unchanged;
            }
        }
        if (report) ObserveExit(state, null, explicitThrow ? ExitKind.Throw : ExitKind.Exception, thrower);
        return unchanged;
    }

    /// <summary>
    /// A call threw into a catch with something held: on the paths the handler starts, what is held is held only
    /// because of that exception (an explicit throw is the code's own control flow, not marked).
    /// </summary>
    private FlowState Caught(FlowState state, IOperation? thrower, bool report)
    {
        for (int k = 0; k < state.Count; k++)
        {
            var st = state[k];
            if (!st.MayBeHeld || st.Sites == 0) continue;
            if (report)
            {
                for (ulong sites = st.Sites & ~st.Caught; sites != 0; sites &= sites - 1)
                {
                    int site = _m.SitesByKey[k][TrailingZeros(sites)].Index;
                    if (!_caughtThrowers.ContainsKey(site)) _caughtThrowers.Add(site, thrower);
                }
            }
            state = state.Set(k, st.WithCaught(st.Sites));
        }
        return state.Freeze();
    }

    /// <summary>Per acquire site, the first call whose exception a catch swallowed while the site was held.</summary>
    private readonly Dictionary<int, IOperation?> _caughtThrowers = new();

    private static void FeedHandlers(Run run, ControlFlowRegion tryRegion, FlowState state)
    {
        if (tryRegion.EnclosingRegion is not { Kind: ControlFlowRegionKind.TryAndCatch } tryAndCatch) return;
        foreach (var handler in tryAndCatch.NestedRegions)
        {
            if (!ReferenceEquals(handler, tryRegion)) run.Join(handler.FirstBlockOrdinal, state);
        }
    }

    /// <summary>Whether an exception leaving this block can reach a catch handler (cached per block).</summary>
    private bool UnderCatch(BasicBlock block)
    {
        _underCatch ??= new bool?[_m.Graph.Blocks.Length];
        if (_underCatch[block.Ordinal] is { } known) return known;
        bool found = false;
        for (var region = block.EnclosingRegion; region?.EnclosingRegion is not null && !found; region = region.EnclosingRegion)
            found = region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion.Kind == ControlFlowRegionKind.TryAndCatch;
        _underCatch[block.Ordinal] = found;
        return found;
    }

    private bool?[]? _underCatch;

    private enum ExitKind { Normal, Throw, Exception }

    private void ObserveExit(FlowState state, IOperation? returned, ExitKind kind, IOperation? where)
    {
        var returnedHolder = returned is null ? null : FlowOperations.HolderOf(returned, _m.Captures);
        bool error = kind != ExitKind.Normal || IsErrorReturn(returned);
        for (int k = 0; k < state.Count; k++)
        {
            var st = state[k];
            var key = _m.Keys[k];
            // Returning what holds it hands it to the caller.
            if (returnedHolder is not null && SymbolEqualityComparer.Default.Equals(returnedHolder, key.Holder))
            {
                if (st.MayBeHeld) _findings.MarkHandedOver(k);
                continue;
            }
            // `return taken;`: held exactly when the method says so (a Try method of its own).
            if ((st.Flags & HoldFlags.Cond) != 0 && returnedHolder is not null && SymbolEqualityComparer.Default.Equals(returnedHolder, st.Cond)) continue;
            bool contract = _m.MethodAcquires.Contains(key.Resource) || _m.MethodReleases.Contains(key.Resource);
            if (error || _m.Strict[k] && !_m.MethodAcquires.Contains(key.Resource))
            {
                // smatch check_unwind: on an error exit everything taken must be given back; our own locals always.
                if (st.MayBeHeld) ReportLeak(k, st.Sites, st.Caught, kind, where);
                continue;
            }
            // A parameter, field or this on a success exit: it may keep what it took, but every success exit must
            // agree (smatch's inconsistent returns, sparse's context imbalance): judged once all exits are seen.
            if (contract || _m.Strict[k]) continue;
            // A value-returning method whose returned value this exit does not show (a return leaving a try region
            // through a capture) cannot be told success from error: not judged.
            if (returned is null && _m.Method is { ReturnsVoid: false, MethodKind: not MethodKind.Constructor }) continue;
            if (!_successExits.TryGetValue(k, out var exits)) _successExits.Add(k, exits = new List<(ulong, ulong, bool, IOperation?)>());
            exits.Add((st.MayBeHeld ? st.Sites : 0, st.MayBeHeld ? st.Caught : 0, st.MayBeGivenBack, where));
        }
    }

    /// <summary>
    /// Reports the leak of <paramref name="sites"/> at an exit; those of <paramref name="caught"/> reach it only through a
    /// swallowed exception: they leak if the call that threw does (KMEM0202), which is where the fix goes.
    /// </summary>
    private void ReportLeak(int key, ulong sites, ulong caught, ExitKind kind, IOperation? where)
    {
        for (; sites != 0; sites &= sites - 1)
        {
            int bit = TrailingZeros(sites);
            int site = _m.SitesByKey[key][bit].Index;
            if ((caught & (1UL << bit)) != 0 && _caughtThrowers.TryGetValue(site, out var thrower)) _findings.LeakOnException(site, thrower);
            else if (kind == ExitKind.Exception) _findings.LeakOnException(site, where);
            else _findings.Leak(site, where);
        }
    }

    /// <summary>Success exits of each non-local holder: what it may still hold there (only through a caught exception), whether some path gave it back.</summary>
    private readonly Dictionary<int, List<(ulong Kept, ulong Caught, bool GivenBack, IOperation? Where)>> _successExits = new();

    /// <summary>Exits that keep while others (or other paths to the same exit) give back leak: they are named.</summary>
    private void JudgeSuccessExits()
    {
        foreach (var pair in _successExits)
        {
            bool anyKept = pair.Value.Any(e => e.Kept != 0);
            bool anyGivenBack = pair.Value.Any(e => e.GivenBack);
            if (!anyKept || !anyGivenBack) continue;
            foreach (var exit in pair.Value)
            {
                if (exit.Kept != 0) ReportLeak(pair.Key, exit.Kept, exit.Caught, ExitKind.Normal, exit.Where);
            }
        }
    }

    /// <summary>`return null/false/default/negative constant` (the kernel's error returns, smatch check_unwind).</summary>
    private static bool IsErrorReturn(IOperation? returned)
    {
        // A conversion of a constant (null to void*, -12 to long) may itself carry no constant: look through it.
        for (var op = returned; op is not null; op = (op as IConversionOperation)?.Operand)
        {
            if (op is IDefaultValueOperation) return true;
            if (op.ConstantValue.HasValue)
            {
                switch (op.ConstantValue.Value)
                {
                    case null: return true;
                    case bool b: return !b;
                    case int i: return i < 0;
                    case long l: return l < 0;
                    default: return false;
                }
            }
        }
        return false;
    }

    internal static int TrailingZeros(ulong value)
    {
        int n = 0;
        while ((value & 1) == 0 && n < 64)
        {
            value >>= 1;
            n++;
        }
        return n;
    }
}
