using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// KMEM0204: `x.TryCharge(n);` or `_ = x.TryCharge(n);` throws away the one bit that says whether the charge
/// happened (kernel becaba65f62f: a failed obj_cgroup_charge() silently became an unaccounted allocation).
/// The same for a reference-returning acquire: the reference that holds the resource is dropped, and for an
/// annotated property read thrown away (`_ = gate.TryEnter;`).
/// </summary>
internal static class IgnoredResult
{
    public static void Analyze(OperationAnalysisContext context, OwnershipSymbols symbols)
    {
        var invocation = context.Operation;
        if (FlowOperations.MethodOf(invocation) is not { } method) return;
        var own = symbols.Get(method);
        if (own.Acquires.IsEmpty || own.Kind == AcquireKind.Unconditional) return;
        var parent = invocation.Parent;
        while (parent is IConversionOperation) parent = parent.Parent;
        bool discarded = parent is IExpressionStatementOperation
                         || parent is ISimpleAssignmentOperation { Target: IDiscardOperation } assignment && assignment.Parent is IExpressionStatementOperation;
        if (!discarded) return;
        context.ReportDiagnostic(Diagnostic.Create(BalanceDescriptors.AcquireResultIgnored, invocation.Syntax.GetLocation(),
            FlowOperations.NameOf(invocation), string.Join(", ", own.Acquires)));
    }
}
