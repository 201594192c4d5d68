using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// The release call the try/finally fix writes, worked out where the symbols are (the fix project only sees
/// syntax and the diagnostic's properties). Shapes handled: `x.CssGet();`, `if (!x.TryCharge(n)) return ...;`
/// and `var o = ObjCgroup.FromCurrent();` (released as `o?.Put()`, so the null path is fine).
/// </summary>
internal static class BalanceFixInfo
{
    public static (string Call, string Target)? ReleaseCallFor(AcquireSite site, string resource, OwnershipSymbols symbols)
    {
        // A property acquire has no statement of its own to wrap: no fix.
        if (site.Operation is not IInvocationOperation { Syntax: InvocationExpressionSyntax syntax } invocation) return null;
        string receiver;
        ITypeSymbol? receiverType;
        bool conditional = false;
        switch (site.Kind)
        {
            case AcquireKind.Unconditional when syntax.Parent is ExpressionStatementSyntax:
            case AcquireKind.Try when site.IsBranch && IsGuard(syntax):
                if (invocation.Instance is null || invocation.Instance.IsImplicit || syntax.Expression is not MemberAccessExpressionSyntax member) return null;
                receiver = member.Expression.ToString();
                receiverType = invocation.Instance.Type;
                break;
            case AcquireKind.NonNull when site.Cond is ILocalSymbol local && local.Type.IsReferenceType:
                receiver = local.Name;
                receiverType = local.Type;
                conditional = true;
                break;
            default:
                return null;
        }
        var release = FindRelease(receiverType, resource, site.AmountText.Length > 0, symbols);
        if (release is null) return null;
        string args = release.Parameters.Length == 1 ? site.AmountText : "";
        string target = receiver + "." + release.Name;
        string call = (conditional ? receiver + "?." + release.Name : target) + "(" + args + ")";
        return (call, target);
    }

    /// <summary>`if (!x.TryCharge(n)) return/throw/break/continue;` with no else: the charge is held after the if.</summary>
    private static bool IsGuard(InvocationExpressionSyntax call)
    {
        var condition = call.Parent is ParenthesizedExpressionSyntax p ? p.Parent : call.Parent;
        if (condition is not PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not) return false;
        if (not.Parent is not IfStatementSyntax { Else: null } ifStatement || ifStatement.Parent is not BlockSyntax) return false;
        var body = ifStatement.Statement is BlockSyntax block ? block.Statements.LastOrDefault() : ifStatement.Statement;
        return body is ReturnStatementSyntax or ThrowStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax;
    }

    /// <summary>An instance method of the receiver's type annotated [Releases(resource)], callable with the acquire's amount (or nothing).</summary>
    private static IMethodSymbol? FindRelease(ITypeSymbol? type, string resource, bool hasAmount, OwnershipSymbols symbols)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                if (member is not IMethodSymbol { IsStatic: false, MethodKind: MethodKind.Ordinary } method) continue;
                if (!symbols.Get(method).Releases.Contains(resource)) continue;
                int required = method.Parameters.Count(p => !p.IsOptional);
                if (hasAmount ? method.Parameters.Length >= 1 && required <= 1 && symbols.Get(method).AmountParameter is { Ordinal: 0 } : required == 0)
                    return method;
            }
        }
        return null;
    }
}
