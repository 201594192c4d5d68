using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// KMEM0204: `x.TryCharge(n);` or `_ = x.TryCharge(n);` throws away the one bit that says whether the charge
/// happened (kernel becaba65f62f: a failed obj_cgroup_charge() silently became an unaccounted allocation).
/// The same for a reference-returning acquire: the reference that holds the resource is dropped.
/// </summary>
internal static class IgnoredResult
{
    public static void Analyze(OperationAnalysisContext context, OwnershipSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var own = symbols.Get(invocation.TargetMethod);
        if (own.Acquires.IsEmpty || own.Kind == AcquireKind.Unconditional) return;
        var parent = invocation.Parent;
        while (parent is IConversionOperation) parent = parent.Parent;
        bool discarded = parent is IExpressionStatementOperation
                         || parent is ISimpleAssignmentOperation { Target: IDiscardOperation } assignment && assignment.Parent is IExpressionStatementOperation;
        if (!discarded) return;
        context.ReportDiagnostic(Diagnostic.Create(BalanceDescriptors.AcquireResultIgnored, invocation.Syntax.GetLocation(),
            invocation.TargetMethod.Name, string.Join(", ", own.Acquires)));
    }
}
