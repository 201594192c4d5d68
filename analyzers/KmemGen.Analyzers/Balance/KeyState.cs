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
}

/// <summary>Per resource instance: flags, the acquire sites that may still be held, and the Cond it hinges on.</summary>
internal readonly struct KeyState : IEquatable<KeyState>
{
    public KeyState(HoldFlags flags, ulong sites, ulong dirty, ISymbol? cond, bool condIsNonNull)
    {
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

    public bool MayBeHeld => (Flags & (HoldFlags.Held | HoldFlags.Cond)) != 0;

    public KeyState With(HoldFlags flags, ulong sites) => new(flags, sites, Dirty, null, false);
    public KeyState WithDirty(ulong dirty) => new(Flags, Sites, dirty, Cond, CondIsNonNull);
    public KeyState WithCond(ISymbol cond, bool nonNull, ulong sites) => new(HoldFlags.Cond, sites, Dirty, cond, nonNull);

    /// <summary>Forgets the condition: held or not, we no longer know which.</summary>
    public KeyState DropCond()
        => (Flags & HoldFlags.Cond) == 0 ? this : new((Flags & ~HoldFlags.Cond) | HoldFlags.Held | HoldFlags.Unheld, Sites, Dirty, null, false);

    public static KeyState Join(KeyState a, KeyState b)
    {
        // "Held iff o != null" joined with "not held" (the path where o is null, or where the Try result was
        // false) is still "held iff o != null": keeps `var o = FromCurrent(); ... o?.Put();` precise.
        if ((a.Flags & HoldFlags.Cond) != 0 && b.Flags == HoldFlags.Unheld) return new KeyState(a.Flags, a.Sites, a.Dirty | b.Dirty, a.Cond, a.CondIsNonNull);
        if ((b.Flags & HoldFlags.Cond) != 0 && a.Flags == HoldFlags.Unheld) return new KeyState(b.Flags, b.Sites, a.Dirty | b.Dirty, b.Cond, b.CondIsNonNull);
        bool sameCond = (a.Flags & HoldFlags.Cond) != 0 && (b.Flags & HoldFlags.Cond) != 0
                        && SymbolEqualityComparer.Default.Equals(a.Cond, b.Cond) && a.CondIsNonNull == b.CondIsNonNull;
        if (!sameCond)
        {
            a = a.DropCond();
            b = b.DropCond();
        }
        return new KeyState(a.Flags | b.Flags, a.Sites | b.Sites, a.Dirty | b.Dirty, sameCond ? a.Cond : null, sameCond && a.CondIsNonNull);
    }

    public bool Equals(KeyState other)
        => Flags == other.Flags && Sites == other.Sites && Dirty == other.Dirty && CondIsNonNull == other.CondIsNonNull
           && SymbolEqualityComparer.Default.Equals(Cond, other.Cond);

    public override bool Equals(object? obj) => obj is KeyState other && Equals(other);

    public override int GetHashCode() => unchecked(((int)Flags * 397) ^ Sites.GetHashCode() ^ (Dirty.GetHashCode() * 7));
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
