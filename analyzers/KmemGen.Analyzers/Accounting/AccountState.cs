namespace KmemGen.Analyzers.Accounting;

/// <summary>
/// What a Gfp value may hold, as a may-set: the lattice of the flow analysis. The join is bitwise or;
/// <see cref="Lacks"/> alone is the only state that is reported (Account is absent on every path).
/// </summary>
[Flags]
internal enum AccountState
{
    /// <summary>No path has reached this point yet (bottom).</summary>
    None = 0,
    /// <summary>On some path Gfp.Account is absent.</summary>
    Lacks = 1,
    /// <summary>On some path Gfp.Account is present.</summary>
    Has = 2,
    Unknown = Lacks | Has,
}

internal static class AccountStateLogic
{
    public static AccountState FromConstant(long value, int accountBit) => (value & accountBit) != 0 ? AccountState.Has : AccountState.Lacks;

    /// <summary>a | b has Account when either may have it; it lacks Account only when both may lack it.</summary>
    public static AccountState Or(AccountState a, AccountState b)
    {
        a = Defined(a); b = Defined(b);
        var result = AccountState.None;
        if ((a & AccountState.Has) != 0 || (b & AccountState.Has) != 0) result |= AccountState.Has;
        if ((a & AccountState.Lacks) != 0 && (b & AccountState.Lacks) != 0) result |= AccountState.Lacks;
        return result;
    }

    /// <summary>a &amp; b has Account only when both may have it; it lacks Account when either may lack it.</summary>
    public static AccountState And(AccountState a, AccountState b)
    {
        a = Defined(a); b = Defined(b);
        var result = AccountState.None;
        if ((a & AccountState.Has) != 0 && (b & AccountState.Has) != 0) result |= AccountState.Has;
        if ((a & AccountState.Lacks) != 0 || (b & AccountState.Lacks) != 0) result |= AccountState.Lacks;
        return result;
    }

    /// <summary>A value read before any path assigned it (unreachable or not tracked) is unknown, never "lacks".</summary>
    public static AccountState Defined(AccountState state) => state == AccountState.None ? AccountState.Unknown : state;
}
