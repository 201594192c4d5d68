using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KmemGen.Analyzers.Common;

/// <summary>
/// Evaluates a flags-enum expression from syntax alone (<c>Gfp.Kernel | Gfp.Zero</c>, <c>SlabFlags.Account</c>),
/// for initializers in other members or trees where the analyzer has no operation tree and must not ask the
/// compilation for a semantic model (RS1030). Anything it does not recognise is "unknown".
/// </summary>
internal static class EnumSyntax
{
    public static bool TryEvaluate(ExpressionSyntax? expression, INamedTypeSymbol enumType, out long value)
    {
        value = 0;
        switch (expression)
        {
            case null:
                return false;
            case ParenthesizedExpressionSyntax parenthesized:
                return TryEvaluate(parenthesized.Expression, enumType, out value);
            case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.BitwiseOrExpression) || binary.IsKind(SyntaxKind.BitwiseAndExpression):
                if (!TryEvaluate(binary.Left, enumType, out var left) || !TryEvaluate(binary.Right, enumType, out var right)) return false;
                value = binary.IsKind(SyntaxKind.BitwiseOrExpression) ? left | right : left & right;
                return true;
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NumericLiteralExpression) && literal.Token.Value is int zero && zero == 0:
                return true;
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.DefaultLiteralExpression):
                return true;
            case MemberAccessExpressionSyntax memberAccess when NamesEnum(memberAccess.Expression, enumType):
                return TryMember(memberAccess.Name.Identifier.ValueText, enumType, out value);
            default:
                return false;
        }
    }

    private static bool NamesEnum(ExpressionSyntax expression, INamedTypeSymbol enumType)
        => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText == enumType.Name,
            MemberAccessExpressionSyntax qualified => qualified.Name.Identifier.ValueText == enumType.Name,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText == enumType.Name,
            QualifiedNameSyntax qualifiedName => qualifiedName.Right.Identifier.ValueText == enumType.Name,
            _ => false,
        };

    private static bool TryMember(string name, INamedTypeSymbol enumType, out long value)
    {
        value = 0;
        foreach (var member in enumType.GetMembers(name))
        {
            if (member is IFieldSymbol { HasConstantValue: true, ConstantValue: { } constant })
            {
                value = Convert.ToInt64(constant, System.Globalization.CultureInfo.InvariantCulture);
                return true;
            }
        }
        return false;
    }
}
