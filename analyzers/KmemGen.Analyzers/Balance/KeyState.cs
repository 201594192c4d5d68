using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Balance;

/// <summary>The facts one path may carry about a resource instance; a merged state is their union.</summary>
[Flags]
internal enum HoldFlags : byte
{
    None = 0,
    /// <summary>Not held: never acquired on this path, or a Try-acquire failed.</summary>
    Unheld = 1,
    /// <summary>Held since one of <see cref="KeyState.Sites"/>.</summary>
    Held = 2,
    /// <summary>Released on this path (a second release is a double release).</summary>
    Released = 4,
    /// <summary>Handed over: stored to a field or collection, passed to [TransfersOwnership], or into a new object.</summary>
    Escaped = 8,
    /// <summary>Held exactly when <see cref="KeyState.Cond"/> is true (bool local) or non-null (the acquired reference).</summary>
    Cond = 16,
    /// <summary>A parameter, field or this may hold it already at entry: not this method's obligation.</summary>
    Entry = 32,
    /// <summary>
    /// Gave back what the caller held (a release from <see cref="Entry"/>): net one below the caller's state. An
    /// acquire now restores the caller's state (the inverted bracket: release, wait, re-acquire in finally).
    /// </summary>
    Lent = 64,
    /// <summary>The holder is null on this path: it holds nothing and owes nothing. Absorbed by any join.</summary>
    Null = 128,
}

/// <summary>Per resource instance: flags, the acquire sites that may still be held, and the Cond it hinges on.</summary>
internal readonly struct KeyState : IEquatable<KeyState>
{
    public KeyState(HoldFlags flags, ulong sites, ulong dirty, ISymbol? cond, bool condIsNonNull, bool condNegated = false, ulong caught = 0, bool condLent = false)
    {
        CondNegated = condNegated;
        Caught = caught & sites;
        CondLent = condLent;
        Flags = flags;
        Sites = sites;
        Dirty = dirty;
        Cond = cond;
        CondIsNonNull = condIsNonNull;
    }

    public HoldFlags Flags { get; }
    /// <summary>Bit i: this key's acquire site i (<see cref="AcquireSite.Bit"/>) may be the outstanding one.</summary>
    public ulong Sites { get; }
    /// <summary>Bit i: site i's amount local was written after site i acquired (KMEM0205).</summary>
    public ulong Dirty { get; }
    public ISymbol? Cond { get; }
    public bool CondIsNonNull { get; }
    /// <summary>Held exactly when the bool <see cref="Cond"/> is false (`if (!isProtected) e.Resume();`).</summary>
    public bool CondNegated { get; }
    /// <summary>
    /// Of <see cref="Sites"/>, those still held here only on paths where a call threw while they were held and a catch
    /// swallowed the exception: a leak of those is the exception's (KMEM0202), not the normal path's.
    /// </summary>
    public ulong Caught { get; }
    /// <summary>
    /// With <see cref="HoldFlags.Cond"/>: what hinges on the condition is not a hold of ours but the caller's hold given
    /// back (`var suspended = e.TrySuspend();`): <see cref="HoldFlags.Lent"/> exactly when it is true.
    /// </summary>
    public bool CondLent { get; }

    public bool MayBeHeld => (Flags & HoldFlags.Held) != 0 || (Flags & HoldFlags.Cond) != 0 && !CondLent;

    /// <summary>Some path reaching here gave back (or never took) what it has: net zero or below for this method.</summary>
    public bool MayBeGivenBack => (Flags & (HoldFlags.Released | HoldFlags.Entry | HoldFlags.Lent)) != 0 || (Flags & HoldFlags.Cond) != 0 && CondLent;

    /// <summary>Flags that, joined with a Cond, would make the condition meaningless.</summary>
    private const HoldFlags NotOurs = HoldFlags.Held | HoldFlags.Cond;

    /// <summary>The path where the condition is false: what the state was besides the condition.</summary>
    public KeyState CondFalse()
    {
        var rest = Flags & ~HoldFlags.Cond;
        return new KeyState(rest == HoldFlags.None ? HoldFlags.Unheld : rest, 0, Dirty, null, false);
    }

    public KeyState With(HoldFlags flags, ulong sites) => new(flags, sites, Dirty, null, false);
    public KeyState WithDirty(ulong dirty) => new(Flags, Sites, dirty, Cond, CondIsNonNull, CondNegated, Caught, CondLent);
    public KeyState WithCaught(ulong caught) => new(Flags, Sites, Dirty, Cond, CondIsNonNull, CondNegated, caught, CondLent);
    public KeyState WithCond(ISymbol cond, bool nonNull, ulong sites, bool negated = false) => new(HoldFlags.Cond, sites, Dirty, cond, nonNull, negated);

    /// <summary>The caller's hold given back exactly when the bool <paramref name="cond"/> is true; otherwise as it is now.</summary>
    public KeyState WithCondLent(ISymbol cond) => new(HoldFlags.Cond | (Flags & ~HoldFlags.Cond), 0, Dirty, cond, false, false, 0, condLent: true);

    /// <summary>The path where a <see cref="CondLent"/> condition is true: the caller's hold is given back.</summary>
    public KeyState CondTrueLent() => new(HoldFlags.Lent | (Flags & HoldFlags.Escaped), 0, Dirty, null, false);

    /// <summary>Forgets the condition: held or not (given back or not), we no longer know which.</summary>
    public KeyState DropCond()
    {
        if ((Flags & HoldFlags.Cond) == 0) return this;
        if (CondLent) return new((Flags & ~HoldFlags.Cond) | HoldFlags.Lent, 0, Dirty, null, false);
        return new((Flags & ~HoldFlags.Cond) | HoldFlags.Held | HoldFlags.Unheld, Sites, Dirty, null, false, false, Caught);
    }

    public static KeyState Join(KeyState a, KeyState b)
    {
        // A path on which the holder is null constrains nothing.
        if (a.Flags == HoldFlags.Null) return b.WithDirty(a.Dirty | b.Dirty);
        if (b.Flags == HoldFlags.Null) return a.WithDirty(a.Dirty | b.Dirty);
        // "Held iff c" joined with a path that holds nothing of ours (c false there: the Try failed, o is null, the
        // guard was false) is still "held iff c, else that": keeps `var o = FromCurrent(); ... o?.Put();` and
        // `if (taken) e.Resume(); ... if (taken) e.Suspend();` precise.
        if ((a.Flags & HoldFlags.Cond) != 0 && (b.Flags & NotOurs) == 0) return new KeyState(a.Flags | (b.Flags & ~HoldFlags.Null), a.Sites, a.Dirty | b.Dirty, a.Cond, a.CondIsNonNull, a.CondNegated, JoinCaught(a, b), a.CondLent);
        if ((b.Flags & HoldFlags.Cond) != 0 && (a.Flags & NotOurs) == 0) return new KeyState(b.Flags | (a.Flags & ~HoldFlags.Null), b.Sites, a.Dirty | b.Dirty, b.Cond, b.CondIsNonNull, b.CondNegated, JoinCaught(a, b), b.CondLent);
        bool sameCond = (a.Flags & HoldFlags.Cond) != 0 && (b.Flags & HoldFlags.Cond) != 0
                        && SymbolEqualityComparer.Default.Equals(a.Cond, b.Cond) && a.CondIsNonNull == b.CondIsNonNull && a.CondNegated == b.CondNegated
                        && a.CondLent == b.CondLent;
        if (!sameCond)
        {
            a = a.DropCond();
            b = b.DropCond();
        }
        return new KeyState(a.Flags | b.Flags, a.Sites | b.Sites, a.Dirty | b.Dirty, sameCond ? a.Cond : null, sameCond && a.CondIsNonNull, sameCond && a.CondNegated,
            JoinCaught(a, b), sameCond && a.CondLent);
    }

    /// <summary>Held only through a caught exception after the join: on no path of either side held the normal way.</summary>
    private static ulong JoinCaught(KeyState a, KeyState b)
    {
        ulong normal = (a.Sites & ~a.Caught) | (b.Sites & ~b.Caught);
        return (a.Sites | b.Sites) & ~normal;
    }

    public bool Equals(KeyState other)
        => Flags == other.Flags && Sites == other.Sites && Dirty == other.Dirty && CondIsNonNull == other.CondIsNonNull && CondNegated == other.CondNegated
           && Caught == other.Caught && CondLent == other.CondLent && SymbolEqualityComparer.Default.Equals(Cond, other.Cond);

    public override bool Equals(object? obj) => obj is KeyState other && Equals(other);

    public override int GetHashCode() => unchecked(((int)Flags * 397) ^ Sites.GetHashCode() ^ (Dirty.GetHashCode() * 7) ^ (Caught.GetHashCode() * 13));
}

/// <summary>
/// The abstract state at a program point: one <see cref="KeyState"/> per tracked resource instance.
/// Frozen states (stored at blocks, carried on edges, cache keys) never change; a block's transfer works on
/// one unfrozen copy it owns and mutates in place, so a block costs one copy, not one per operation.
/// </summary>
internal sealed class FlowState : IEquatable<FlowState>
{
    private readonly KeyState[] _keys;
    private bool _frozen;

    public FlowState(KeyState[] keys, bool frozen = true)
    {
        _keys = keys;
        _frozen = frozen;
    }

    public int Count => _keys.Length;
    public KeyState this[int key] => _keys[key];

    public bool AnyMayBeHeld
    {
        get
        {
            foreach (var k in _keys) if (k.MayBeHeld) return true;
            return false;
        }
    }

    public FlowState Freeze()
    {
        _frozen = true;
        return this;
    }

    /// <summary>In place when this state is an unfrozen working copy; otherwise a new unfrozen copy.</summary>
    public FlowState Set(int key, KeyState value)
    {
        if (_keys[key].Equals(value)) return this;
        if (!_frozen)
        {
            _keys[key] = value;
            return this;
        }
        var copy = (KeyState[])_keys.Clone();
        copy[key] = value;
        return new FlowState(copy, frozen: false);
    }

    /// <summary>Joins <paramref name="b"/> into <paramref name="a"/>; returns <paramref name="a"/> itself when nothing changed.</summary>
    public static FlowState Join(FlowState? a, FlowState b)
    {
        b.Freeze();
        if (a is null) return b;
        KeyState[]? result = null;
        for (int i = 0; i < a._keys.Length; i++)
        {
            var joined = KeyState.Join(a._keys[i], b._keys[i]);
            if (result is null && joined.Equals(a._keys[i])) continue;
            if (result is null)
            {
                result = (KeyState[])a._keys.Clone();
            }
            result[i] = joined;
        }
        return result is null ? a : new FlowState(result);
    }

    public bool Equals(FlowState? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        for (int i = 0; i < _keys.Length; i++) if (!_keys[i].Equals(other._keys[i])) return false;
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as FlowState);

    public override int GetHashCode()
    {
        int h = 17;
        foreach (var k in _keys) h = unchecked(h * 31 + k.GetHashCode());
        return h;
    }
}
