using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>The transfer functions: what one operation does to the held state.</summary>
internal sealed partial class BalanceFlow
{
    /// <summary>Expression nesting deeper than this is treated as opaque (no stack overflow on generated code).</summary>
    private const int MaxDepth = 200;

    private static readonly HashSet<string> s_collectionStores = new(StringComparer.Ordinal)
    {
        "Add", "TryAdd", "Insert", "Push", "TryPush", "Enqueue", "AddLast", "AddFirst", "Set", "SetValue", "AddOrUpdate", "GetOrAdd",
    };

    /// <summary>Post-order: operands are evaluated before the operation that uses them.</summary>
    private FlowState Visit(IOperation op, FlowState state, Ctx ctx, int depth)
    {
        // A lambda's body is its own graph, analysed on its own.
        if (op is IFlowAnonymousFunctionOperation || depth > MaxDepth) return state;
        foreach (var child in op.ChildOperations) state = Visit(child, state, ctx, depth + 1);
        if (ctx.Report && _observe is not null) _observe(op, state.Freeze(), ctx.Block);
        return Transfer(op, state, ctx);
    }

    private FlowState Transfer(IOperation op, FlowState state, Ctx ctx)
    {
        switch (op)
        {
            case IInvocationOperation invocation:
                return Invocation(invocation, state, ctx);
            case IPropertyReferenceOperation property when !FlowOperations.IsAssignmentTarget(property):
                return Accessor(property, state, ctx);
            case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment:
                // `x.P = v`: the setter runs after the value and the store.
                return Accessor(property, Assignment(assignment, state), ctx);
            case ISimpleAssignmentOperation assignment:
                return Assignment(assignment, state);
            case ICompoundAssignmentOperation compound:
                return Written(state, FlowOperations.WrittenSymbol(compound.Target), killCond: true);
            case IIncrementOrDecrementOperation increment:
                return Written(state, FlowOperations.WrittenSymbol(increment.Target), killCond: true);
            case IArgumentOperation argument:
                return Argument(argument, state);
            default:
                if (op.Parent is IArrayInitializerOperation && IsHolderReference(op)) return Escape(state, FlowOperations.HolderOf(op, _m.Captures));
                return state;
        }
    }

    private static bool IsHolderReference(IOperation op)
        => op is ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation or IInstanceReferenceOperation;

    /// <summary>
    /// A read (getter) or write (setter) of a property whose accessor is annotated: an acquire site, or a release on
    /// the receiver. Unannotated accessors change nothing (and are not counted as throwing, as before).
    /// </summary>
    private FlowState Accessor(IPropertyReferenceOperation property, FlowState state, Ctx ctx)
    {
        if (_m.SitesOf(property) is { } sites) return Acquire(sites, state);
        if (FlowOperations.MethodOf(property) is not { } accessor) return state;
        var own = _m.Symbols.Get(accessor);
        if (own.Releases.IsEmpty) return state;
        var holder = FlowOperations.CallHolder(property, _m.Captures);
        foreach (var resource in own.Releases)
        {
            int key = _m.KeyOf(resource, holder);
            if (key >= 0) state = Release(state, key, property, own, ctx);
        }
        return state;
    }

    private FlowState Invocation(IInvocationOperation invocation, FlowState state, Ctx ctx)
    {
        if (_m.SitesOf(invocation) is { } sites) return Acquire(sites, state);

        if (_m.CondReleasesOf(invocation) is { } conditional)
        {
            foreach (var (key, flag) in conditional)
            {
                // Only the caller's hold, untouched so far, is tracked through the flag; anything else stays as it was.
                if (state[key].Flags == HoldFlags.Entry) state = state.Set(key, state[key].WithCondLent(flag));
            }
        }

        var own = _m.Symbols.Get(ImplementationOf(invocation));
        if (!own.Releases.IsEmpty)
        {
            var holder = FlowOperations.CallHolder(invocation, _m.Captures);
            foreach (var resource in own.Releases)
            {
                int key = _m.KeyOf(resource, holder);
                // A release of something this body never acquires is a free path: ordinary code.
                if (key >= 0) state = Release(state, key, invocation, own, ctx);
            }
            return state;
        }
        if (own.IsAnnotated) return state;

        // Any other call may throw: what is held then leaks unless a finally gives it back (KMEM0202), and an
        // enclosing catch starts from the state here (in both phases, so the handler's input is the fixed point).
        if (MayThrow(invocation) && (UnderCatch(ctx.Block) || ctx.Report && state.AnyMayBeHeld))
            state = HandleException(ctx.Run, ctx.Block, state, invocation, explicitThrow: false, ctx.Report);
        return state;
    }

    /// <summary>An acquire site runs (a Try's or a reference's result is applied on its edge or at its assignment).</summary>
    private FlowState Acquire(List<AcquireSite> sites, FlowState state)
    {
        foreach (var site in sites)
        {
            if (site.IsBranch || site.Kind == AcquireKind.NonNull) continue; // applied on the edge / at the assignment
            var st = state[site.Key];
            ulong bit = site.Mask;
            if ((st.Flags & HoldFlags.Cond) != 0 && st.CondLent)
            {
                if (site.Kind == AcquireKind.Unconditional && site.Cond is null)
                {
                    // `var suspended = e.TrySuspend(); ... e.Resume();`: where it was given back this takes it again;
                    // where it was not, this is a second hold of ours: held exactly when the flag is false.
                    state = state.Set(site.Key, new KeyState(HoldFlags.Cond | (st.Flags & ~HoldFlags.Cond), bit, st.Dirty & ~bit, st.Cond, false, !st.CondNegated));
                    continue;
                }
                // `if (suspended) e.Resume();` takes back what the flag says was given back; under any other guard, either.
                st = SameGuard(site.Cond, site.CondNegated, st) ? st.CondTrueLent() : st.DropCond();
            }
            if (site.Kind == AcquireKind.Try)
                st = site.Cond is not null ? st.WithCond(site.Cond, nonNull: false, bit) : st.With(HoldFlags.Held | HoldFlags.Unheld, bit);
            else if ((st.Flags & HoldFlags.Lent) != 0)
                st = Restore(st, bit);
            else
                st = site.Cond is not null ? st.WithCond(site.Cond, nonNull: false, bit, site.CondNegated) : st.With(HoldFlags.Held, bit);
            state = state.Set(site.Key, st.WithDirty(st.Dirty & ~bit));
        }
        return state;
    }

    /// <summary>
    /// An acquire after giving back the caller's hold (the inverted bracket) restores the caller's state: net zero,
    /// not ours to release. Paths that had not lent it now hold a new acquire.
    /// </summary>
    /// Paths still at the caller's state (`if (wasProtected) e.Suspend();` skipped) are taken as the same bracket:
    /// the conditional give-back and this take-back are one pair, which is how real code writes it.
    private static KeyState Restore(KeyState st, ulong bit)
    {
        bool others = (st.Flags & ~(HoldFlags.Lent | HoldFlags.Null | HoldFlags.Escaped | HoldFlags.Entry)) != 0;
        return others ? st.With(HoldFlags.Entry | HoldFlags.Held, bit) : st.With(HoldFlags.Entry, 0);
    }

    /// <summary>
    /// `using` calls IDisposable.Dispose on the resource: the annotated method is the receiver type's implementation.
    /// </summary>
    private IMethodSymbol ImplementationOf(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (method.ContainingType?.TypeKind != TypeKind.Interface || invocation.Instance is null) return method;
        var receiverType = FlowOperations.Unwrap(invocation.Instance, _m.Captures)?.Type;
        return receiverType?.FindImplementationForInterfaceMember(method) as IMethodSymbol ?? method;
    }

    /// <summary>Calls that report failure by exception (<see cref="ThrowSummaries"/>), less copies into a buffer sized for them.</summary>
    private bool MayThrow(IInvocationOperation invocation)
        => !CopiesIntoSizedBuffer(invocation) && _m.Symbols.Throws.MayThrow(invocation);

    /// <summary>
    /// `Buffer.MemoryCopy(src, dst, n, n)` (the size checked is the size copied), and `span.CopyTo(dst)` into a
    /// buffer this body acquired with a size argument (`var m = pool.Get(len); src.CopyTo(m.Span)`): the
    /// destination was sized for the copy, so the length check cannot fail.
    /// </summary>
    private bool CopiesIntoSizedBuffer(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        if (type?.ContainingNamespace is not { Name: "System", ContainingNamespace.IsGlobalNamespace: true }) return false;
        if (method.Name == "MemoryCopy" && type.Name == "Buffer" && invocation.Arguments.Length == 4)
        {
            var size = FlowOperations.ArgumentFor(invocation, method.Parameters[2])?.Value.Syntax.ToString();
            var copied = FlowOperations.ArgumentFor(invocation, method.Parameters[3])?.Value.Syntax.ToString();
            return size is not null && size == copied;
        }
        if (method.Name != "CopyTo" || type.Name is not ("Span" or "ReadOnlySpan") || invocation.Arguments.Length != 1) return false;
        var root = FlowOperations.RootOf(invocation.Arguments[0].Value, _m.Captures);
        if (root is null || !_m.KeysByHolder.TryGetValue(root, out var keys)) return false;
        foreach (int k in keys)
        {
            foreach (var site in _m.SitesByKey[k]) if (site.AmountText.Length > 0) return true;
        }
        return false;
    }

    private FlowState Release(FlowState state, int key, IOperation invocation, MethodOwnership own, Ctx ctx)
    {
        var st = state[key];
        if (st.Flags == HoldFlags.Null) return state;
        NoteRelease(key, invocation);
        if ((st.Flags & HoldFlags.Cond) != 0 && st.CondLent)
        {
            var blockGuard = _m.GuardOf(ctx.Block);
            st = SameGuard(blockGuard.Local, blockGuard.Negated, st) ? st.CondTrueLent() : st.DropCond();
        }
        // `if (taken) e.Suspend();`: under the guard that the acquire had, what is released is that acquire.
        if ((st.Flags & HoldFlags.Cond) != 0 && _m.GuardOf(ctx.Block) is { Local: { } guard } g
            && SymbolEqualityComparer.Default.Equals(guard, st.Cond) && g.Negated == st.CondNegated)
        {
            st = st.With(HoldFlags.Held, st.Sites);
        }

        if (ctx.Report)
        {
            if ((st.Flags & (HoldFlags.Held | HoldFlags.Cond | HoldFlags.Entry | HoldFlags.Escaped | HoldFlags.Lent)) == 0)
            {
                string why = (st.Flags & HoldFlags.Released) == 0 ? "was never acquired on any path reaching it"
                    : (st.Flags & HoldFlags.Unheld) == 0 ? "was already released" + OtherReleases(key, invocation) + " on every path reaching it"
                    : "was already released" + OtherReleases(key, invocation) + " or never acquired on the paths reaching it";
                _findings.UnbalancedRelease(invocation, _m.Keys[key].Resource, why);
            }
            else if ((st.Flags & HoldFlags.Entry) != 0 && ((st.Flags & HoldFlags.Cond) == 0 ? (st.Flags & HoldFlags.Held) != 0 : DisjunctionHeld(st, key))
                     && !SeesFlag(invocation, key))
            {
                // The caller's hold reaches here on some paths and ours on others: on the first this gives back what
                // the caller had (net below zero), on the second what we took. (Ours only when the disjunction's bool
                // says so is the same, for a release not under that bool.)
                _findings.UnbalancedRelease(invocation, _m.Keys[key].Resource,
                    "was not acquired on some paths reaching it (" + Lines(_m.SitesByKey[key].Select(x => x.Operation)) + " acquires it on the others)");
            }
            else if (st.MayBeHeld && st.Sites != 0 && (st.Sites & (st.Sites - 1)) == 0)
            {
                CheckAmount(_m.SitesByKey[key][TrailingZeros(st.Sites)], (st.Dirty & st.Sites) != 0, invocation, own);
            }
        }
        var flags = HoldFlags.None;
        if ((st.Flags & (HoldFlags.Held | HoldFlags.Cond | HoldFlags.Released | HoldFlags.Unheld)) != 0) flags |= HoldFlags.Released;
        // A release that is handed the acquire's own flag (`Unlock(ref ctx)` after `TryLock(ref ctx)`) gives back only
        // what that acquire took: the caller's state stays as it was.
        if ((st.Flags & HoldFlags.Lent) != 0 || (st.Flags & HoldFlags.Entry) != 0 && (st.Flags & (HoldFlags.Held | HoldFlags.Cond)) != 0 && SeesFlag(invocation, key)) flags |= st.Flags & (HoldFlags.Entry | HoldFlags.Lent);
        else if ((st.Flags & HoldFlags.Entry) != 0) flags |= HoldFlags.Lent;
        if ((st.Flags & HoldFlags.Escaped) != 0) flags |= HoldFlags.Escaped;
        return state.Set(key, st.With(flags, 0));
    }

    /// <summary>`if (c || x.TryLock())` left the key held exactly when c says so (a branch site's guard), else the caller's.</summary>
    private bool DisjunctionHeld(KeyState st, int key)
    {
        if (st.CondLent || st.CondIsNonNull) return false;
        foreach (var site in _m.SitesByKey[key])
        {
            if ((st.Sites & site.Mask) != 0 && site.IsBranch && site.Cond is not null) return true;
        }
        return false;
    }

    /// <summary>The block runs only where the key's condition holds: its guard is that bool with the same sense.</summary>
    private static bool SameGuard(ISymbol? guard, bool negated, KeyState st)
        => guard is not null && SymbolEqualityComparer.Default.Equals(guard, st.Cond) && negated == st.CondNegated;

    /// <summary>The release is passed by ref a variable the acquire of this key took by ref (and so its flag).</summary>
    private bool SeesFlag(IOperation release, int key)
    {
        foreach (var argument in FlowOperations.ArgumentsOf(release))
        {
            if (argument.Parameter?.RefKind is not (RefKind.Ref or RefKind.In)) continue;
            if (FlowOperations.RootOf(argument.Value, _m.Captures) is { } root && _m.KeysByFlagRoot.TryGetValue(root, out var keys) && keys.Contains(key)) return true;
        }
        return false;
    }

    private readonly Dictionary<int, List<IOperation>> _releases = new();

    private void NoteRelease(int key, IOperation invocation)
    {
        if (!_releases.TryGetValue(key, out var list)) _releases.Add(key, list = new List<IOperation>());
        if (!list.Contains(invocation)) list.Add(invocation);
    }

    /// <summary>" (line 12)": the other releases of this resource instance seen on the way here.</summary>
    private string OtherReleases(int key, IOperation invocation)
    {
        if (!_releases.TryGetValue(key, out var list)) return "";
        var others = list.Where(r => !ReferenceEquals(r, invocation)).ToList();
        return others.Count == 0 ? "" : " (" + Lines(others) + ")";
    }

    internal static string Lines(IEnumerable<IOperation> operations)
        => "line " + string.Join(", line ", operations.Select(o => o.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1).Distinct().OrderBy(l => l)
            .Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>KMEM0205: Uncharge(n) must give back what TryCharge(n) took, when we can tell.</summary>
    private void CheckAmount(AcquireSite site, bool amountChanged, IOperation release, MethodOwnership own)
    {
        if (own.AmountParameter is null) return;
        var amount = FlowOperations.AmountOf(release, own.AmountParameter, _m.Captures);
        if (amount.Constant is { } released && site.AmountConstant is { } acquired && released != acquired)
            _findings.AmountMismatch(release, site, amount.Text, site.AmountText);
        else if (amount.Local is not null && SymbolEqualityComparer.Default.Equals(amount.Local, site.AmountLocal) && amountChanged)
            _findings.AmountMismatch(release, site, amount.Text + " (after it changed)", site.AmountText);
    }

    private FlowState Assignment(ISimpleAssignmentOperation assignment, FlowState state)
    {
        var value = FlowOperations.Unwrap(assignment.Value, _m.Captures);
        if (value is not null && FlowOperations.IsCall(value) && _m.SitesOf(value) is { } sites)
        {
            foreach (var site in sites)
            {
                if (site.Kind != AcquireKind.NonNull || site.Cond is null) continue;
                // `var o = ObjCgroup.FromCurrent();`: o holds a reference exactly when it is not null.
                var st = state[site.Key];
                ulong bit = site.Mask;
                state = state.Set(site.Key, st.WithCond(site.Cond, nonNull: true, bit).WithDirty(st.Dirty & ~bit));
            }
            return state;
        }
        // `suspended = e.TrySuspend()`: the call just tied the key to this flag; the write is not a stale condition.
        if (value is IInvocationOperation released && _m.CondReleasesOf(released) is not null) return state;
        // `ok = a ? m.TryA() : m.TryB()`: the arms just tied the key to this bool (BodyModel.CollectCondTies).
        if (_m.IsCondTieStore(assignment)) return state;
        var target = assignment.Target;
        state = Written(state, FlowOperations.WrittenSymbol(target), killCond: true);
        // Storing what holds a resource into a field, property, array or indexer hands it over.
        if (target is not ILocalReferenceOperation and not IParameterReferenceOperation)
            state = Escape(state, FlowOperations.HolderOf(value, _m.Captures));
        return state;
    }

    private FlowState Argument(IArgumentOperation argument, FlowState state)
    {
        var holder = FlowOperations.HolderOf(argument.Value, _m.Captures);
        if (holder is not null && EscapesThrough(argument)) state = Escape(state, holder);
        if (argument.Parameter is { RefKind: RefKind.Ref or RefKind.Out })
            state = Written(state, FlowOperations.WrittenSymbol(FlowOperations.Unwrap(argument.Value, _m.Captures)), killCond: true);
        return state;
    }

    /// <summary>Ownership moves: a [TransfersOwnership] parameter, a constructor (the new object keeps it), a collection store.</summary>
    private bool EscapesThrough(IArgumentOperation argument)
    {
        if (_m.Symbols.TransfersOwnership(argument.Parameter)) return true;
        switch (argument.Parent)
        {
            case IObjectCreationOperation:
                return true;
            case IInvocationOperation call when s_collectionStores.Contains(call.TargetMethod.Name) && call.Instance?.Type is { } type:
                return type.TypeKind == TypeKind.Array || type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable);
            default:
                return false;
        }
    }

    private FlowState Escape(FlowState state, ISymbol? holder)
    {
        if (holder is null || !_m.KeysByHolder.TryGetValue(holder, out var keys)) return state;
        foreach (int k in keys)
        {
            _findings.MarkHandedOver(k);
            state = state.Set(k, state[k].With(HoldFlags.Escaped, 0));
        }
        return state;
    }

    /// <summary>A variable is overwritten: what it held is now another object; conditions on it are stale; amounts read from it changed.</summary>
    private FlowState Written(FlowState state, ISymbol? symbol, bool killCond)
    {
        if (symbol is null) return state;
        if (_m.KeysByHolder.TryGetValue(symbol, out var held))
        {
            foreach (int k in held)
                state = state.Set(k, new KeyState(_m.Strict[k] ? HoldFlags.Unheld : HoldFlags.Entry, 0, state[k].Dirty, null, false));
        }
        if (killCond && _m.KeysByCond.TryGetValue(symbol, out var conditioned))
        {
            foreach (int k in conditioned)
            {
                var st = state[k];
                if ((st.Flags & HoldFlags.Cond) != 0 && SymbolEqualityComparer.Default.Equals(st.Cond, symbol)) state = state.Set(k, st.DropCond());
            }
        }
        if (_m.SitesByAmountLocal.TryGetValue(symbol, out var sites))
        {
            foreach (var site in sites) state = state.Set(site.Key, state[site.Key].WithDirty(state[site.Key].Dirty | site.Mask));
        }
        return state;
    }

    /// <summary>Splits the state on a branch condition: `ok`, `o == null`, `o is not null`, `o?.X` (IsNull in a CFG).</summary>
    private (FlowState WhenTrue, FlowState WhenFalse) Refine(IOperation? condition, FlowState state)
    {
        if (condition is null) return (state, state);
        condition = FlowOperations.Unwrap(condition, _m.Captures);
        ISymbol? boolVariable = condition switch
        {
            ILocalReferenceOperation { Local.Type.SpecialType: SpecialType.System_Boolean } l => l.Local,
            IParameterReferenceOperation { Parameter.Type.SpecialType: SpecialType.System_Boolean } p => p.Parameter,
            _ => null,
        };
        if (boolVariable is not null)
            return (RefineOn(state, boolVariable, nonNull: false, holds: true), RefineOn(state, boolVariable, nonNull: false, holds: false));
        if (condition is IFieldReferenceOperation or IPropertyReferenceOperation && condition.Type?.SpecialType == SpecialType.System_Boolean
            && FlowOperations.RootOf(condition, _m.Captures) is { } root && _m.KeysByFlagRoot.TryGetValue(root, out var flagged))
        {
            return (OnFlag(state, flagged, set: true), OnFlag(state, flagged, set: false));
        }

        ISymbol? tested = null;
        bool trueMeansNull = false;
        switch (condition)
        {
            case IIsNullOperation isNull:
                tested = FlowOperations.HolderOf(isNull.Operand, _m.Captures);
                trueMeansNull = true;
                break;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                var other = IsNullConstant(binary.RightOperand) ? binary.LeftOperand : IsNullConstant(binary.LeftOperand) ? binary.RightOperand : null;
                if (other is not null)
                {
                    tested = FlowOperations.HolderOf(other, _m.Captures);
                    trueMeansNull = binary.OperatorKind == BinaryOperatorKind.Equals;
                }
                break;
            case IIsPatternOperation pattern:
                tested = FlowOperations.HolderOf(pattern.Value, _m.Captures);
                switch (pattern.Pattern)
                {
                    case IConstantPatternOperation constant when IsNullConstant(constant.Value):
                        trueMeansNull = true;
                        break;
                    case INegatedPatternOperation { Pattern: IConstantPatternOperation negated } when IsNullConstant(negated.Value):
                    case IRecursivePatternOperation:
                    case ITypePatternOperation:
                    case IDeclarationPatternOperation:
                        trueMeansNull = false;
                        break;
                    default:
                        tested = null;
                        break;
                }
                break;
        }
        if (tested is null) return (state, state);
        var whenNull = RefineOn(OnNull(state, tested), tested, nonNull: true, holds: false);
        var whenNotNull = RefineOn(state, tested, nonNull: true, holds: true);
        return trueMeansNull ? (whenNull, whenNotNull) : (whenNotNull, whenNull);
    }

    /// <summary>Where the holder is null it holds nothing and owes nothing (`epoch?.Resume()` ... `epoch?.Suspend()`).</summary>
    private FlowState OnNull(FlowState state, ISymbol holder)
    {
        if (!_m.KeysByHolder.TryGetValue(holder, out var keys)) return state;
        foreach (int k in keys)
        {
            var st = state[k];
            // A Cond on the holder itself was already resolved by RefineOn.
            if ((st.Flags & HoldFlags.Cond) != 0 && SymbolEqualityComparer.Default.Equals(st.Cond, holder)) continue;
            state = state.Set(k, new KeyState(HoldFlags.Null, 0, st.Dirty, null, false));
        }
        return state;
    }

    /// <summary>
    /// A flag the acquire set through its ref argument (`if (ctx.HasLock) Unlock(ref ctx)`): where it is clear the
    /// acquire did not happen; where it is set it did (not the caller's state, not a failed attempt).
    /// </summary>
    private FlowState OnFlag(FlowState state, List<int> keys, bool set)
    {
        foreach (int k in keys)
        {
            var st = state[k];
            if (!st.MayBeHeld) continue;
            if (set)
            {
                if ((st.Flags & HoldFlags.Held) != 0 && (st.Flags & HoldFlags.Cond) == 0) state = state.Set(k, st.With(HoldFlags.Held, st.Sites));
            }
            else
            {
                var rest = st.Flags & ~(HoldFlags.Held | HoldFlags.Cond);
                state = state.Set(k, st.With(rest == HoldFlags.None ? (_m.Strict[k] ? HoldFlags.Unheld : HoldFlags.Entry) : rest, 0));
            }
        }
        return state;
    }

    private static bool IsNullConstant(IOperation op) => op.ConstantValue is { HasValue: true, Value: null };

    private FlowState RefineOn(FlowState state, ISymbol cond, bool nonNull, bool holds)
    {
        // On the edge where it is held, keep the condition: the later join with the other edge stays precise.
        if (!_m.KeysByCond.TryGetValue(cond, out var keys)) return state;
        foreach (int k in keys)
        {
            var st = state[k];
            if ((st.Flags & HoldFlags.Cond) == 0 || st.CondIsNonNull != nonNull || !SymbolEqualityComparer.Default.Equals(st.Cond, cond)) continue;
            if (holds != st.CondNegated) continue;
            state = state.Set(k, st.CondFalse());
        }
        return state;
    }
}
