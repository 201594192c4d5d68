using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>One acquire site (a call, or a read or write of an annotated property) for one resource instance.</summary>
internal sealed class AcquireSite
{
    public AcquireSite(int index, int key, IOperation operation, AcquireKind kind, ISymbol? cond, long? amountConstant, ISymbol? amountLocal, string amountText)
    {
        Index = index;
        Key = key;
        Operation = operation;
        Kind = kind;
        Cond = cond;
        AmountConstant = amountConstant;
        AmountLocal = amountLocal;
        AmountText = amountText;
    }

    public int Index { get; }
    public int Key { get; }
    /// <summary>Ordinal among its key's sites: its bit in <see cref="KeyState.Sites"/>.</summary>
    public int Bit { get; set; }
    public ulong Mask => 1UL << Bit;
    /// <summary>The IInvocationOperation, or the IPropertyReferenceOperation whose accessor acquires.</summary>
    public IOperation Operation { get; }
    /// <summary>The method or property named in messages.</summary>
    public string Name => FlowOperations.NameOf(Operation);
    public AcquireKind Kind { get; }
    /// <summary>
    /// Try result stored in this bool local; (NonNull) the local the reference is stored in; (Unconditional) the bool
    /// local that guards the acquire (`if (taken) e.Resume();`): held exactly when it is true.
    /// </summary>
    public ISymbol? Cond { get; }
    /// <summary>The guard is `if (!local)`: held exactly when the local is false.</summary>
    public bool CondNegated { get; set; }
    /// <summary>The call is a branch condition itself: the acquire happens on the true edge only.</summary>
    public bool IsBranch { get; set; }
    public long? AmountConstant { get; }
    public ISymbol? AmountLocal { get; }
    public string AmountText { get; }
}

/// <summary>
/// What one control-flow graph holds for the balance analysis, found in one pass before the dataflow:
/// the tracked resource instances (those acquired in this body), their acquire sites and the flow captures.
/// A body with nothing acquired is not analysed at all (a release there is a free path: ordinary code).
/// </summary>
internal sealed class BodyModel
{
    /// <summary>Site masks are 64 wide: a body with more acquire sites of one resource instance is given up (silently).</summary>
    public const int MaxSitesPerKey = 64;
    /// <summary>
    /// Every block's state holds one entry per resource instance: more instances than this in one body is
    /// given up (silently), which bounds memory at blocks x MaxKeys entries however large the method.
    /// </summary>
    public const int MaxKeys = 128;

    private readonly Dictionary<ResourceKey, int> _keyIndex = new();
    private readonly Dictionary<IOperation, List<AcquireSite>> _sitesByOperation = new();

    private BodyModel(ControlFlowGraph graph, IMethodSymbol? method, OwnershipSymbols symbols)
    {
        Graph = graph;
        Method = method;
        Symbols = symbols;
        if (method is not null)
        {
            foreach (var r in symbols.Get(method).Acquires) MethodAcquires.Add(r);
            foreach (var r in symbols.Get(method).Releases) MethodReleases.Add(r);
        }
    }

    public ControlFlowGraph Graph { get; }
    public IMethodSymbol? Method { get; }
    public OwnershipSymbols Symbols { get; }
    public Dictionary<CaptureId, IOperation?> Captures { get; } = new();
    public List<ResourceKey> Keys { get; } = new();
    public List<bool> Strict { get; } = new();
    public List<AcquireSite> Sites { get; } = new();
    public List<List<AcquireSite>> SitesByKey { get; } = new();
    /// <summary>Keys by holder, keys by condition local, sites by amount local: what a write to a variable touches.</summary>
    public Dictionary<ISymbol, List<int>> KeysByHolder { get; } = new(SymbolEqualityComparer.Default);
    public Dictionary<ISymbol, List<int>> KeysByCond { get; } = new(SymbolEqualityComparer.Default);
    public Dictionary<ISymbol, List<AcquireSite>> SitesByAmountLocal { get; } = new(SymbolEqualityComparer.Default);
    /// <summary>Resources the analysed method itself is annotated to acquire: held at a normal exit is its contract.</summary>
    public HashSet<string> MethodAcquires { get; } = new(StringComparer.Ordinal);
    /// <summary>Resources the analysed method is annotated to release: not held at its exits is its contract.</summary>
    public HashSet<string> MethodReleases { get; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Keys by a variable an acquire took by ref: a bool field or property read off it (`ctx.HasLock`) is the flag
    /// the acquire set, so a test of it says whether that acquire happened.
    /// </summary>
    public Dictionary<ISymbol, List<int>> KeysByFlagRoot { get; } = new(SymbolEqualityComparer.Default);

    /// <summary>`var suspended = e.TrySuspend();`: calls that give back a tracked key exactly when the bool they store is true.</summary>
    private readonly Dictionary<IOperation, List<(int Key, ILocalSymbol Flag)>> _condReleases = new();

    public List<(int Key, ILocalSymbol Flag)>? CondReleasesOf(IOperation op) => _condReleases.TryGetValue(op, out var list) ? list : null;

    public int KeyOf(string resource, ISymbol? holder)
        => holder is not null && _keyIndex.TryGetValue(new ResourceKey(resource, holder), out var i) ? i : -1;

    public List<AcquireSite>? SitesOf(IOperation op) => _sitesByOperation.TryGetValue(op, out var list) ? list : null;

    /// <summary>
    /// Builds the model, or returns null when the body acquires nothing trackable (or too much to track).
    /// <paramref name="captured"/>: locals used inside lambdas or local functions (ownership may move there: not tracked).
    /// </summary>
    public static BodyModel? Build(ControlFlowGraph graph, IMethodSymbol? method, OwnershipSymbols symbols, ISet<ISymbol> captured)
    {
        var model = new BodyModel(graph, method, symbols);
        foreach (var block in graph.Blocks)
        {
            foreach (var op in block.Operations) model.CollectCaptures(op);
            if (block.BranchValue is not null) model.CollectCaptures(block.BranchValue);
        }
        model.CollectCondTies();

        var poisoned = new HashSet<ResourceKey>();
        var pending = new List<(ResourceKey Key, IOperation Operation, MethodOwnership Own, ISymbol? Cond, bool IsBranch, bool CondNegated)>();
        foreach (var block in graph.Blocks)
        {
            var guard = model.GuardOf(block);
            foreach (var op in block.Operations) model.CollectAcquires(op, null, pending, poisoned, guard);
            if (block.BranchValue is not null)
            {
                var branchCall = block.ConditionKind != ControlFlowConditionKind.None
                    ? FlowOperations.UnwrapNot(block.BranchValue, out _) is { } core && FlowOperations.IsCall(core) ? core : null
                    : null;
                model.CollectAcquires(block.BranchValue, branchCall, pending, poisoned, branchCall is null ? guard : model.DisjunctionGuard(block, guard));
            }
        }

        foreach (var p in pending)
        {
            if (poisoned.Contains(p.Key)) continue;
            if (captured.Contains(p.Key.Holder) && IsOwnLocal(p.Key.Holder, method)) continue;
            if (!model._keyIndex.TryGetValue(p.Key, out var keyIndex))
            {
                if (model.Keys.Count == MaxKeys) return null;
                keyIndex = model.Keys.Count;
                model._keyIndex.Add(p.Key, keyIndex);
                model.Keys.Add(p.Key);
                model.Strict.Add(IsOwnLocal(p.Key.Holder, method));
                model.SitesByKey.Add(new List<AcquireSite>());
                AddTo(model.KeysByHolder, p.Key.Holder, keyIndex);
            }
            var ofKey = model.SitesByKey[keyIndex];
            if (ofKey.Count == MaxSitesPerKey) return null;
            var amount = FlowOperations.AmountOf(p.Operation, p.Own.AmountParameter, model.Captures);
            var site = new AcquireSite(model.Sites.Count, keyIndex, p.Operation, p.Own.Kind, p.Cond, amount.Constant, amount.Local, amount.Text)
            {
                IsBranch = p.IsBranch,
                CondNegated = p.CondNegated,
                Bit = ofKey.Count,
            };
            model.Sites.Add(site);
            ofKey.Add(site);
            if (site.Cond is not null) AddTo(model.KeysByCond, site.Cond, keyIndex);
            if (site.AmountLocal is not null) AddTo(model.SitesByAmountLocal, site.AmountLocal, site);
            foreach (var argument in FlowOperations.ArgumentsOf(p.Operation))
            {
                if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out && FlowOperations.RootOf(argument.Value, model.Captures) is { } root)
                    AddTo(model.KeysByFlagRoot, root, keyIndex);
            }
            if (!model._sitesByOperation.TryGetValue(p.Operation, out var list)) model._sitesByOperation.Add(p.Operation, list = new List<AcquireSite>());
            list.Add(site);
        }
        if (model.Sites.Count == 0) return null;
        foreach (var block in graph.Blocks)
        {
            foreach (var op in block.Operations) model.CollectConditionalReleases(op, captured);
        }
        return model;
    }

    /// <summary>
    /// `var suspended = e.TrySuspend();` where TrySuspend is not annotated but its body gives back the receiver's
    /// resource exactly when it returns true (<see cref="OwnershipSymbols.ReleasesWhenTrue"/>): the local says whether
    /// the caller's hold was given back.
    /// </summary>
    private void CollectConditionalReleases(IOperation root, ISet<ISymbol> captured)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            if (op is not ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: { Type.SpecialType: SpecialType.System_Boolean } flag } } assignment
                || captured.Contains(flag)
                || FlowOperations.Unwrap(assignment.Value, Captures) is not IInvocationOperation call
                || Symbols.Get(call.TargetMethod).IsAnnotated)
            {
                continue;
            }
            var resources = Symbols.ReleasesWhenTrue(call.TargetMethod);
            if (resources.IsEmpty) continue;
            var holder = FlowOperations.CallHolder(call, Captures);
            foreach (var resource in resources)
            {
                int key = KeyOf(resource, holder);
                if (key < 0) continue;
                if (!_condReleases.TryGetValue(call, out var list)) _condReleases.Add(call, list = new List<(int, ILocalSymbol)>());
                list.Add((key, flag));
                AddTo(KeysByCond, flag, key);
            }
        }
    }

    private static void AddTo<T>(Dictionary<ISymbol, List<T>> map, ISymbol symbol, T value)
    {
        if (!map.TryGetValue(symbol, out var list)) map.Add(symbol, list = new List<T>());
        if (!list.Contains(value)) list.Add(value);
    }

    /// <summary>A local of the analysed body itself: nothing else can release it, so it must be released on every path.</summary>
    private static bool IsOwnLocal(ISymbol holder, IMethodSymbol? method)
        => holder is ILocalSymbol local && (method is null || SymbolEqualityComparer.Default.Equals(local.ContainingSymbol, method));

    private void CollectCaptures(IOperation root)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            if (op is IFlowCaptureOperation capture)
            {
                // The same capture id assigned different values (a ?: or ??) is ambiguous: see through it no further.
                Captures[capture.Id] = Captures.ContainsKey(capture.Id) ? null : capture.Value;
                if (!_captureValues.TryGetValue(capture.Id, out var values)) _captureValues.Add(capture.Id, values = new List<IOperation>());
                if (values.Count <= MaxTieArms) values.Add(capture.Value);
            }
        }
    }

    /// <summary>Arms of one combined Try result followed (a ?: has two; nested ones more): past this, not tied.</summary>
    private const int MaxTieArms = 4;

    /// <summary>Every value each capture id is given, up to one past <see cref="MaxTieArms"/>.</summary>
    private readonly Dictionary<CaptureId, List<IOperation>> _captureValues = new();

    /// <summary>Capture ids whose value a bool local stores, the local; and those stores.</summary>
    private readonly Dictionary<CaptureId, ILocalSymbol> _condTies = new();
    private readonly HashSet<IOperation> _condTieStores = new();

    /// <summary>
    /// `var ok = a ? m.CssTryGetOnline() : m.CssTryGet();`, `bool ok = c &amp;&amp; m.CssTryGet();`: the graph gives each arm's
    /// value to one capture and stores the capture in the bool. When every arm is a Try acquire of the same resources on
    /// the same holder, or the constant false, the bool is true exactly when one of those acquires succeeded: the Try
    /// sites are tied to it as a direct `var ok = m.CssTryGet();` is. Any other arm (true, a call, a nested capture): not tied.
    /// </summary>
    private void CollectCondTies()
    {
        var stores = new Dictionary<CaptureId, (ISimpleAssignmentOperation? Store, ILocalSymbol? Flag)>();
        foreach (var block in Graph.Blocks)
        {
            foreach (var root in block.Operations)
            {
                foreach (var op in root.DescendantsAndSelf())
                {
                    // `ok = c && m.CssTryGet();` (not a declaration) spills the target to a capture of its own first.
                    if (op is ISimpleAssignmentOperation assignment
                        && FlowOperations.Unwrap(assignment.Target, Captures) is ILocalReferenceOperation { Local: { Type.SpecialType: SpecialType.System_Boolean } flag }
                        && assignment.Value.WalkDownConversions() is IFlowCaptureReferenceOperation reference)
                    {
                        stores[reference.Id] = stores.ContainsKey(reference.Id) ? default : (assignment, flag);
                    }
                }
            }
        }
        foreach (var pair in stores)
        {
            if (pair.Value is not { Store: { } store, Flag: { } flag } || !TiesToAcquire(pair.Key)) continue;
            _condTies.Add(pair.Key, flag);
            _condTieStores.Add(store);
        }
    }

    private bool TiesToAcquire(CaptureId id)
    {
        if (!_captureValues.TryGetValue(id, out var values) || values.Count > MaxTieArms) return false;
        ISymbol? holder = null;
        MethodOwnership? first = null;
        foreach (var value in values)
        {
            var arm = value.WalkDownConversions();
            if (arm.ConstantValue is { HasValue: true, Value: false }) continue;
            if (FlowOperations.MethodOf(arm) is not { } method) return false;
            var own = Symbols.Get(method);
            if (own.Kind != AcquireKind.Try || own.Acquires.IsEmpty || FlowOperations.CallHolder(arm, Captures) is not { } armHolder) return false;
            if (first is null)
            {
                first = own;
                holder = armHolder;
            }
            else if (!SymbolEqualityComparer.Default.Equals(holder, armHolder) || !first.Acquires.SequenceEqual(own.Acquires))
            {
                return false;
            }
        }
        return first is not null;
    }

    /// <summary>The store of a tied capture into its bool (<see cref="CollectCondTies"/>): it does not make the bool stale.</summary>
    public bool IsCondTieStore(IOperation assignment) => _condTieStores.Contains(assignment);

    /// <summary>
    /// The bool local whose test is the only way into <paramref name="block"/> (`if (taken) e.Resume();`), and
    /// whether it is false there (`if (!isProtected)`). One predecessor only: linear, and the shape real code writes.
    /// </summary>
    internal (ISymbol? Local, bool Negated) GuardOf(BasicBlock block)
    {
        if (block.Predecessors.Length != 1) return default;
        var edge = block.Predecessors[0];
        var source = edge.Source;
        if (source.ConditionKind == ControlFlowConditionKind.None || source.BranchValue is null || edge.Semantics != ControlFlowBranchSemantics.Regular) return default;
        var core = FlowOperations.Unwrap(FlowOperations.UnwrapNot(source.BranchValue, out bool negated), Captures);
        ISymbol? flag = core switch
        {
            ILocalReferenceOperation { Local.Type.SpecialType: SpecialType.System_Boolean } l => l.Local,
            IParameterReferenceOperation { Parameter: { Type.SpecialType: SpecialType.System_Boolean, RefKind: RefKind.None } } p => p.Parameter,
            _ => null,
        };
        if (flag is null) return SetTrueIn(block);
        bool whenTrue = source.ConditionKind == ControlFlowConditionKind.WhenTrue;
        // The value the branch condition has on this edge, then the local's value (through the nots).
        bool value = edge.IsConditionalSuccessor ? whenTrue : !whenTrue;
        return (flag, value == negated);
    }

    /// <summary>
    /// `if (callerHolds || TryLock())`: the Try in <paramref name="block"/> is reached only where the bool tested before it
    /// has one value, and the test's other edge goes where the Try's success does. There the lock is ours exactly when
    /// that bool has the value that led to the Try (else the caller's): the Try's guard, or none for any other shape.
    /// </summary>
    internal (ISymbol? Local, bool Negated) DisjunctionGuard(BasicBlock block, (ISymbol? Local, bool Negated) guard)
    {
        if (guard.Local is null || block.Predecessors.Length != 1 || block.BranchValue is null) return default;
        var edge = block.Predecessors[0];
        var source = edge.Source;
        if (source.ConditionKind == ControlFlowConditionKind.None || source.BranchValue is null) return default;
        var tested = FlowOperations.Unwrap(FlowOperations.UnwrapNot(source.BranchValue, out _), Captures);
        if (tested is not (ILocalReferenceOperation or IParameterReferenceOperation)) return default;
        var other = edge.IsConditionalSuccessor ? source.FallThroughSuccessor : source.ConditionalSuccessor;
        FlowOperations.UnwrapNot(block.BranchValue, out bool negated);
        var acquired = (block.ConditionKind == ControlFlowConditionKind.WhenTrue) != negated ? block.ConditionalSuccessor : block.FallThroughSuccessor;
        if (other is not { Semantics: ControlFlowBranchSemantics.Regular, Destination: { } otherDestination }
            || acquired is not { Semantics: ControlFlowBranchSemantics.Regular, Destination: { } acquiredDestination }
            || !ReferenceEquals(otherDestination, acquiredDestination))
        {
            return default;
        }
        return guard;
    }

    /// <summary>`{ prot = true; e.Resume(); }`: the block sets a bool local to true next to the acquire.</summary>
    private static (ISymbol? Local, bool Negated) SetTrueIn(BasicBlock block)
    {
        foreach (var op in block.Operations)
        {
            if (op is IExpressionStatementOperation { Operation: ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local.Type.SpecialType: SpecialType.System_Boolean } target, Value.ConstantValue: { HasValue: true, Value: true } } })
                return (target.Local, false);
        }
        return default;
    }

    private void CollectAcquires(IOperation root, IOperation? branchCall, List<(ResourceKey, IOperation, MethodOwnership, ISymbol?, bool, bool)> pending, HashSet<ResourceKey> poisoned, (ISymbol? Local, bool Negated) guard)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            // A call, or a property read (getter) or write (setter) whose accessor is annotated.
            if (FlowOperations.MethodOf(op) is not { } method) continue;
            var own = Symbols.Get(method);
            if (own.Acquires.IsEmpty) continue;
            var invocation = op;
            var parent = FlowOperations.ParentSkippingConversions(invocation);
            bool isBranch = ReferenceEquals(invocation, branchCall);
            // (A CFG keeps expression statements as top-level IExpressionStatementOperations.)
            bool discarded = !isBranch && (parent is IExpressionStatementOperation
                             || parent is ISimpleAssignmentOperation { Target: IDiscardOperation });
            ISymbol? holder;
            ISymbol? cond = null;
            bool negated = false;
            if (own.Kind == AcquireKind.NonNull)
            {
                // The reference holds the resource: track it only when stored in a local of ours.
                if (parent is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assign && ReferenceEquals(FlowOperations.Unwrap(assign.Value, Captures), invocation))
                {
                    holder = target.Local;
                    cond = target.Local;
                }
                else
                {
                    continue;
                }
            }
            else
            {
                holder = FlowOperations.CallHolder(invocation, Captures);
                if (holder is null) continue;
                if (own.Kind == AcquireKind.Try && !isBranch && parent is ISimpleAssignmentOperation { Target: ILocalReferenceOperation flag } && flag.Local.Type.SpecialType == SpecialType.System_Boolean)
                {
                    cond = flag.Local;
                }
                else if (own.Kind == AcquireKind.Try && !isBranch && parent is IFlowCaptureOperation capture && _condTies.TryGetValue(capture.Id, out var tied))
                {
                    // An arm of `a ? TryA() : TryB()` or `c && TryX()` stored in a bool (CollectCondTies).
                    cond = tied;
                }
                else if (own.Kind == AcquireKind.Try && isBranch)
                {
                    // The guard of a Try that is a branch condition is its disjunction's (DisjunctionGuard), or none.
                    cond = guard.Local;
                    negated = guard.Negated;
                }
                else if (own.Kind == AcquireKind.Unconditional)
                {
                    cond = guard.Local;
                    negated = guard.Negated;
                }
            }
            foreach (var resource in own.Acquires)
            {
                var key = new ResourceKey(resource, holder);
                if (discarded && own.Kind != AcquireKind.Unconditional) poisoned.Add(key);
                else pending.Add((key, invocation, own, cond, isBranch, negated));
            }
        }
    }
}
