using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Common;

internal static class OperationExtensions
{
    /// <summary>Skips implicit and explicit conversions and parentheses, down to the value's origin.</summary>
    public static IOperation WalkDownConversions(this IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion: operation = conversion.Operand; break;
                case IParenthesizedOperation parenthesized: operation = parenthesized.Operand; break;
                default: return operation;
            }
        }
    }

    /// <summary>Climbs over conversions and parentheses wrapping <paramref name="operation"/>.</summary>
    public static IOperation WalkUpConversions(this IOperation operation)
    {
        while (operation.Parent is IConversionOperation or IParenthesizedOperation) operation = operation.Parent;
        return operation;
    }

    /// <summary>The method, lambda or local function whose body holds <paramref name="operation"/>; null at field initializers.</summary>
    public static IOperation? EnclosingFunction(this IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation) return current;
        }
        return null;
    }

    public static bool IsInsideFunction(this IOperation operation, IOperation function)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current == function) return true;
        }
        return false;
    }

    /// <summary>The symbol of the method (or lambda / local function) whose code contains the operation.</summary>
    public static ISymbol? ContainingCodeSymbol(this IOperation operation, ISymbol owningSymbol)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation lambda: return lambda.Symbol;
                case ILocalFunctionOperation local: return local.Symbol;
            }
        }
        return owningSymbol;
    }
}
