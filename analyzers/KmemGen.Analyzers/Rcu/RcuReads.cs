using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Rcu;

/// <summary>What counts as an RCU-protected dereference (rcu_dereference) and what as a publish (rcu_assign_pointer).</summary>
internal static class RcuReads
{
    /// <summary>The [RcuProtected] field or property an operation reads, or null (writes and nameof are not reads).</summary>
    public static ISymbol? ProtectedMemberRead(IOperation operation, KnownSymbols known)
    {
        var member = operation switch
        {
            IFieldReferenceOperation field => (ISymbol)field.Field,
            IPropertyReferenceOperation property => property.Property,
            _ => null,
        };
        if (member is null || !member.HasAttribute(known.RcuProtectedAttribute)) return null;
        // Publishing a new pointer (rcu_assign_pointer) is the update side: no read section needed.
        if (operation.Parent is ISimpleAssignmentOperation assignment && assignment.Target == operation) return null;
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is INameOfOperation) return null;
        }
        return member;
    }

    /// <summary>True when the value of <paramref name="operation"/> comes straight from an RCU-protected read.</summary>
    public static bool IsProtectedValue(IOperation? operation, KnownSymbols known)
        => operation is not null && ProtectedMemberRead(operation.WalkDownConversions(), known) is not null;

    public static string Display(ISymbol member) => member.ContainingType is { } type ? type.Name + "." + member.Name : member.Name;
}
