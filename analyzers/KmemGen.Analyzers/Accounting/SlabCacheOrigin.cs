using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Accounting;

/// <summary>
/// Decides whether the SlabCache an allocation goes through was created with SlabFlags.Account
/// (SLAB_ACCOUNT: every object charged whatever the gfp). Follows the receiver to a visible
/// <c>SlabCache.Create(...)</c>: the call itself, a local's or field's or auto-property's initializer.
/// A cache whose creation is not visible (a parameter, a method result) is not judged: null.
/// </summary>
internal static class SlabCacheOrigin
{
    public static bool? IsAccounted(IOperation? receiver, KnownSymbols known)
    {
        if (receiver is null || known.SlabFlags is null) return null;
        switch (receiver.WalkDownConversions())
        {
            case IInvocationOperation create when IsCreate(create.TargetMethod, known):
                var flags = create.Arguments.FirstOrDefault(a => a.Parameter?.Type.IsType(known.SlabFlags) == true);
                if (flags is null) return null;
                if (flags.Value.ConstantValue is { HasValue: true, Value: { } constant })
                    return (Convert.ToInt64(constant, System.Globalization.CultureInfo.InvariantCulture) & AccountBit(known)) != 0;
                return null;
            case ILocalReferenceOperation local:
                return FromInitializer(local.Local.DeclaringSyntaxReferences, known);
            case IFieldReferenceOperation field:
                if (field.Field.ContainingType.HasAttribute(known.SlabChargeAttribute)) return true;
                return FromInitializer(field.Field.DeclaringSyntaxReferences, known);
            case IPropertyReferenceOperation property:
                // The generated [SlabCharge] cache is accounted by construction.
                if (property.Property.ContainingType.HasAttribute(known.SlabChargeAttribute)) return true;
                return FromInitializer(property.Property.DeclaringSyntaxReferences, known);
            default:
                return null;
        }
    }

    private static bool IsCreate(IMethodSymbol method, KnownSymbols known)
        => method.Name == "Create" && SymbolEqualityComparer.Default.Equals(method.ContainingType, known.SlabCache);

    private static long AccountBit(KnownSymbols known)
        => known.SlabFlags!.GetMembers("Account").OfType<IFieldSymbol>().FirstOrDefault() is { HasConstantValue: true, ConstantValue: { } value }
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : 1;

    private static bool? FromInitializer(System.Collections.Immutable.ImmutableArray<SyntaxReference> references, KnownSymbols known)
    {
        if (references.Length != 1) return null;
        var initializer = references[0].GetSyntax() switch
        {
            VariableDeclaratorSyntax declarator => declarator.Initializer?.Value,
            PropertyDeclarationSyntax property => property.Initializer?.Value,
            _ => null,
        };
        if (initializer is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Create" } access } call) return null;
        if (!EndsWithName(access.Expression, "SlabCache")) return null;

        // SlabCache.Create(string name, int objectSize, SlabFlags flags = SlabFlags.None, int align = 0)
        ExpressionSyntax? flags = null;
        var arguments = call.ArgumentList.Arguments;
        foreach (var argument in arguments)
        {
            if (argument.NameColon?.Name.Identifier.ValueText == "flags") flags = argument.Expression;
        }
        if (flags is null && arguments.Count >= 3 && arguments[2].NameColon is null) flags = arguments[2].Expression;
        if (flags is null) return false;
        return EnumSyntax.TryEvaluate(flags, known.SlabFlags!, out var value) ? (value & AccountBit(known)) != 0 : null;
    }

    private static bool EndsWithName(ExpressionSyntax expression, string name)
        => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText == name,
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText == name,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText == name,
            _ => false,
        };
}
