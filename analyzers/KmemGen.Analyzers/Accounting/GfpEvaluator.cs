using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Accounting;

/// <summary>
/// Evaluates one Gfp-valued expression to an <see cref="AccountState"/>: constants, <c>|</c> and <c>&amp;</c>,
/// conditionals, const and readonly fields; locals, parameters and flow captures through the state the
/// flow analysis passes in (without one they are unknown).
/// </summary>
internal sealed class GfpEvaluator(KnownSymbols known)
{
    public AccountState Evaluate(IOperation? operation, IReadOnlyDictionary<ISymbol, AccountState>? symbols = null, IReadOnlyDictionary<CaptureId, AccountState>? captures = null)
    {
        if (operation is null) return AccountState.Unknown;
        if (operation.ConstantValue is { HasValue: true, Value: { } constant } && IsIntegral(constant))
            return AccountStateLogic.FromConstant(Convert.ToInt64(constant, System.Globalization.CultureInfo.InvariantCulture), known.GfpAccountValue);

        switch (operation)
        {
            case IConversionOperation conversion:
                return Evaluate(conversion.Operand, symbols, captures);
            case IParenthesizedOperation parenthesized:
                return Evaluate(parenthesized.Operand, symbols, captures);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Or } or:
                return AccountStateLogic.Or(Evaluate(or.LeftOperand, symbols, captures), Evaluate(or.RightOperand, symbols, captures));
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.And } and:
                return AccountStateLogic.And(Evaluate(and.LeftOperand, symbols, captures), Evaluate(and.RightOperand, symbols, captures));
            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                return AccountStateLogic.Defined(Evaluate(conditional.WhenTrue, symbols, captures) | Evaluate(whenFalse, symbols, captures));
            case IDefaultValueOperation:
                return AccountState.Lacks;
            case ILocalReferenceOperation local:
                return Lookup(local.Local, symbols);
            case IParameterReferenceOperation parameter:
                return Lookup(parameter.Parameter, symbols);
            case IFlowCaptureReferenceOperation capture:
                return captures is not null && captures.TryGetValue(capture.Id, out var captured) ? AccountStateLogic.Defined(captured) : AccountState.Unknown;
            case IFieldReferenceOperation field:
                return EvaluateReadOnlyField(field.Field);
            default:
                return AccountState.Unknown;
        }
    }

    /// <summary>True when the expression reads a Gfp local or parameter, so only the flow analysis can tell.</summary>
    public bool NeedsFlow(IOperation operation)
    {
        foreach (var node in operation.DescendantsAndSelf())
        {
            if (node is ILocalReferenceOperation { Local: var local } && IsFlowVariable(local)) return true;
            if (node is IParameterReferenceOperation { Parameter: var parameter } && IsFlowVariable(parameter)) return true;
        }
        return false;
    }

    /// <summary>
    /// Only Gfp-typed variables are followed. Others (a bool condition, an int cast to Gfp) are never in the
    /// flow state, so a value read from them is unknown: never reported, only possibly missed.
    /// </summary>
    public bool IsFlowVariable(ISymbol symbol)
        => symbol switch
        {
            ILocalSymbol local => known.IsGfp(local.Type),
            IParameterSymbol parameter => known.IsGfp(parameter.Type),
            _ => false,
        };

    private static AccountState Lookup(ISymbol symbol, IReadOnlyDictionary<ISymbol, AccountState>? symbols)
        => symbols is not null && symbols.TryGetValue(symbol, out var state) ? AccountStateLogic.Defined(state) : AccountState.Unknown;

    // A readonly field is judged by its initializer; one assigned only in a constructor is unknown.
    private AccountState EvaluateReadOnlyField(IFieldSymbol field)
    {
        if (!field.IsReadOnly || field.DeclaringSyntaxReferences.Length != 1) return AccountState.Unknown;
        if (field.DeclaringSyntaxReferences[0].GetSyntax() is not VariableDeclaratorSyntax { Initializer.Value: { } initializer }) return AccountState.Unknown;
        return EnumSyntax.TryEvaluate(initializer, known.Gfp, out var value)
            ? AccountStateLogic.FromConstant(value, known.GfpAccountValue)
            : AccountState.Unknown;
    }

    private static bool IsIntegral(object value) => value is int or long or uint or ulong or short or ushort or byte or sbyte;
}
