namespace KmemGen.Analyzers;

internal static partial class DiagnosticIds
{
    /// <summary>An acquire ([Acquires]) not released or handed over on some path to the method's exit.</summary>
    public const string AcquireLeaked = "KMEM0201";
    /// <summary>An acquire that leaks only when a call after it throws (no try/finally).</summary>
    public const string AcquireLeakedOnException = "KMEM0202";
    /// <summary>A release ([Releases]) where nothing is held: never acquired on the path, or released twice.</summary>
    public const string UnbalancedRelease = "KMEM0203";
    /// <summary>The result of a Try-acquire (or a reference-returning acquire) discarded.</summary>
    public const string AcquireResultIgnored = "KMEM0204";
    /// <summary>Uncharge(n) with an amount different from the TryCharge(n) it pairs with.</summary>
    public const string ReleaseAmountMismatch = "KMEM0205";

    /// <summary>Diagnostic property keys the balance analyzer hands to its code fix.</summary>
    public const string BalanceFixReleaseCall = "ReleaseCall";
    public const string BalanceFixReleaseTarget = "ReleaseTarget";
}
