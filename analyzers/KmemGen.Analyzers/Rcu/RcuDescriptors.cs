using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Rcu;

internal static class RcuDescriptors
{
    public static readonly DiagnosticDescriptor AccessOutsideReadSection = Descriptors.Create(
        DiagnosticIds.RcuAccessOutsideReadSection,
        "RCU-protected access outside a read section",
        "'{0}' is {1} and is used outside an RCU read section; wrap it in 'using (Rcu.ReadLock()) {{ ... }}' or mark the method [RequiresRcuReadLock]",
        "Reliability", DiagnosticSeverity.Warning,
        "An [RcuProtected] member may be freed after a grace period; it can only be read inside Rcu.ReadLock(), like rcu_dereference under rcu_read_lock().");

    public static readonly DiagnosticDescriptor UnconditionalGetUnderRcu = Descriptors.Create(
        DiagnosticIds.UnconditionalGetUnderRcu,
        "Unconditional reference get on an RCU-protected object",
        "'{0}' is reached through an RCU-protected read and may be dying; call '{1}' in a retry loop instead of '{2}'",
        "Reliability", DiagnosticSeverity.Warning,
        "An object found under RCU may already have dropped its last reference; an unconditional get revives it (kernel commit 9f38f03ae8d5). Use the conditional get and retry.");

    public static readonly DiagnosticDescriptor SynchronizeInsideReadSection = Descriptors.Create(
        DiagnosticIds.SynchronizeInsideReadSection,
        "Rcu.Synchronize or Rcu.Barrier inside an RCU read section deadlocks",
        "'{0}' waits for every read section to end, including this one; move it after the section or use Rcu.Call",
        "Reliability", DiagnosticSeverity.Error,
        "synchronize_rcu() inside rcu_read_lock() waits for itself.");

    public static readonly DiagnosticDescriptor BlockingInsideReadSection = Descriptors.Create(
        DiagnosticIds.BlockingInsideReadSection,
        "Blocking inside an RCU read section",
        "{0} may block inside an RCU read section and stall every grace period; move it out of the section",
        "Reliability", DiagnosticSeverity.Warning,
        "A read section must not sleep (might_sleep() under rcu_read_lock()): grace periods, and every Rcu.Synchronize and deferred free, wait for it.");

    public static readonly DiagnosticDescriptor ReadSectionNotClosed = Descriptors.Create(
        DiagnosticIds.ReadSectionNotClosed,
        "RCU read section not closed on every path",
        "The guard from Rcu.ReadLock() is not disposed by a using; an exception or early return leaves the read section open; write 'using var guard = Rcu.ReadLock();' or 'using (Rcu.ReadLock()) {{ ... }}'",
        "Reliability", DiagnosticSeverity.Warning,
        "rcu_read_unlock() must run on every path; a using statement or declaration guarantees it.");

    public static readonly DiagnosticDescriptor ValueEscapes = Descriptors.Create(
        DiagnosticIds.RcuValueEscapes,
        "RCU-protected value escapes its read section",
        "'{0}' was read under RCU and {1} without a reference; take one with a conditional get (CssTryGet) first, or keep the use inside the section",
        "Reliability", DiagnosticSeverity.Warning,
        "Outside its read section an RCU-protected object may be freed at any time; only a held reference keeps it alive.");
}
