namespace KmemGen.Analyzers;

internal static partial class DiagnosticIds
{
    /// <summary>An [RcuProtected] read or a [RequiresRcuReadLock] call outside an RCU read section.</summary>
    public const string RcuAccessOutsideReadSection = "KMEM0100";
    /// <summary>An unconditional reference get (CssGet) on an object reached through an RCU-protected read.</summary>
    public const string UnconditionalGetUnderRcu = "KMEM0101";
    /// <summary>Rcu.Synchronize() inside an RCU read section: waits for itself.</summary>
    public const string SynchronizeInsideReadSection = "KMEM0102";
    /// <summary>A call that may sleep or block (or an await) inside an RCU read section.</summary>
    public const string BlockingInsideReadSection = "KMEM0103";
    /// <summary>Rcu.ReadLock() whose guard is not disposed by a using on every path.</summary>
    public const string ReadSectionNotClosed = "KMEM0104";
    /// <summary>An RCU-protected value escaping its read section without a reference.</summary>
    public const string RcuValueEscapes = "KMEM0105";

    /// <summary>Diagnostic property on KMEM0101: the conditional (Try) method to call instead.</summary>
    public const string TryGetMethodProperty = "TryGetMethod";
}
