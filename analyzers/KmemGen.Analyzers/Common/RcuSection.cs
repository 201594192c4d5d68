using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Analyzers.Common;

/// <summary>Where an operation sits relative to RCU read sections.</summary>
internal readonly struct RcuSectionInfo
{
    private RcuSectionInfo(bool inside, TextSpan? scope, bool byContract)
    {
        IsInside = inside;
        Scope = scope;
        ByContract = byContract;
    }

    public static RcuSectionInfo Outside => default;
    public static RcuSectionInfo Contract => new(true, null, true);
    public static RcuSectionInfo Lexical(TextSpan scope) => new(true, scope, false);

    public bool IsInside { get; }
    /// <summary>The span the guard lives in (the using statement, or the block of a using declaration); null when by contract.</summary>
    public TextSpan? Scope { get; }
    /// <summary>Inside because the method (or local function) is [RequiresRcuReadLock]: the caller holds the section.</summary>
    public bool ByContract { get; }
}

/// <summary>
/// Finds the RCU read section around an operation, after Meziantou's MA0100 ancestor walk: an
/// enclosing <c>using (Rcu.ReadLock())</c>, an earlier <c>using var g = Rcu.ReadLock();</c> in an
/// enclosing block, or a [RequiresRcuReadLock] method. Any resource of type RcuReadGuard counts, so a
/// user's own wrapper returning the guard works too.
/// </summary>
internal static class RcuSection
{
    // Lexical containment is enough here: C# forbids jumping into a using declaration's scope
    // (CS8648/CS8649) and a using releases on every exit, so "inside the using" means "the guard
    // is held on every path reaching this operation".
    public static RcuSectionInfo Find(IOperation operation, KnownSymbols known, ISymbol owningSymbol)
    {
        var child = operation;
        for (var current = operation.Parent; current is not null; child = current, current = current.Parent)
        {
            switch (current)
            {
                case IUsingOperation @using when child != @using.Resources && IsGuard(@using.Resources, known):
                    return RcuSectionInfo.Lexical(@using.Syntax.Span);
                case IBlockOperation block when HasEarlierUsingDeclaration(block.Operations, child, known):
                    return RcuSectionInfo.Lexical(block.Syntax.Span);
                case ILocalFunctionOperation localFunction:
                    // A local function runs whenever it is called: only its own contract counts.
                    return localFunction.Symbol.HasAttribute(known.RequiresRcuReadLockAttribute) ? RcuSectionInfo.Contract : RcuSectionInfo.Outside;
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol.HasAttribute(known.RequiresRcuReadLockAttribute) ? RcuSectionInfo.Contract : RcuSectionInfo.Outside;
            }
        }
        return RequiresReadLock(owningSymbol, known) ? RcuSectionInfo.Contract : RcuSectionInfo.Outside;
    }

    public static bool RequiresReadLock(ISymbol? symbol, KnownSymbols known)
        => symbol.HasAttributeOrOnAssociated(known.RequiresRcuReadLockAttribute);

    /// <summary>True for a using resource (or declaration group) that holds an RcuReadGuard.</summary>
    public static bool IsGuard(IOperation? resource, KnownSymbols known)
    {
        if (resource is null || known.RcuReadGuard is null) return false;
        if (resource is IVariableDeclarationGroupOperation group)
        {
            foreach (var declaration in group.Declarations)
            {
                foreach (var declarator in declaration.Declarators)
                {
                    if (declarator.Symbol.Type.IsType(known.RcuReadGuard)) return true;
                }
            }
            return false;
        }
        return resource.WalkDownConversions().Type.IsType(known.RcuReadGuard);
    }

    private static bool HasEarlierUsingDeclaration(System.Collections.Immutable.ImmutableArray<IOperation> statements, IOperation child, KnownSymbols known)
    {
        foreach (var statement in statements)
        {
            if (statement == child) return false;
            if (statement is IUsingDeclarationOperation declaration && IsGuard(declaration.DeclarationGroup, known)) return true;
        }
        return false;
    }
}
