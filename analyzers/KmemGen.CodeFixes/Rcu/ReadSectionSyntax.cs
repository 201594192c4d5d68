using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace KmemGen.CodeFixes.Rcu;

/// <summary>
/// What the KMEM0102 and KMEM0103 fixes share: a statement that ends a read section's <c>using</c> block, and
/// moving it to just after the section. The semantic checks follow the analyzers' RcuSection (any resource of
/// type <c>RcuReadGuard</c> is a section, a <c>[RequiresRcuReadLock]</c> function is one for its whole body).
/// </summary>
internal static class ReadSectionSyntax
{
    private const string GuardType = "KmemGen.RcuReadGuard";
    private const string RequiresReadLockType = "KmemGen.RequiresRcuReadLockAttribute";
    private const string RcuProtectedType = "KmemGen.RcuProtectedAttribute";

    /// <summary>
    /// The using statement whose block <paramref name="statement"/> ends, when that using stands in a block
    /// (so the statement can go after it) and is not <c>await using</c>.
    /// </summary>
    public static UsingStatementSyntax? SectionEndedBy(StatementSyntax statement)
        => statement.Parent is BlockSyntax { Parent: UsingStatementSyntax { Parent: BlockSyntax, AwaitKeyword.RawKind: 0 } section } body
           && body.Statements[body.Statements.Count - 1] == statement
            ? section
            : null;

    /// <summary>Whether the using's resource is an RcuReadGuard, and the using is not nested in another section.</summary>
    public static bool IsOutermostSection(UsingStatementSyntax section, SemanticModel model, CancellationToken cancellationToken)
        => IsGuardUsing(section, model, cancellationToken) && !IsInsideAnotherSection(section, model, cancellationToken);

    /// <summary>
    /// Moves <paramref name="statements"/>, the last ones of <paramref name="section"/>'s block, to just after the
    /// section, in their order. A section left empty goes when dropping it drops nothing else (its resource is a call
    /// or a declaration).
    /// </summary>
    public static SyntaxNode MoveAfter(SyntaxNode root, IReadOnlyList<StatementSyntax> statements, UsingStatementSyntax section)
    {
        var outer = (BlockSyntax)section.Parent!;
        var body = (BlockSyntax)section.Statement;
        var moved = statements.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)).ToList();
        var remaining = SyntaxFactory.List(body.Statements.Take(body.Statements.Count - statements.Count));
        var result = outer.Statements;
        int index = result.IndexOf(section);
        if (remaining.Count == 0 && (section.Declaration is not null || section.Expression is InvocationExpressionSyntax))
        {
            // Nothing is read in the section any more: it goes, and the statements take its place (the first its comments).
            var leading = section.GetLeadingTrivia().AddRange(moved[0].GetLeadingTrivia().Where(t => !t.IsKind(SyntaxKind.WhitespaceTrivia) && !t.IsKind(SyntaxKind.EndOfLineTrivia)));
            moved[0] = moved[0].WithLeadingTrivia(leading);
            result = result.RemoveAt(index).InsertRange(index, moved);
        }
        else
        {
            result = result.Replace(section, section.WithStatement(body.WithStatements(remaining))).InsertRange(index + 1, moved);
        }
        return root.ReplaceNode(outer, outer.WithStatements(result));
    }

    /// <summary>
    /// Whether anything in <paramref name="node"/> reads an <c>[RcuProtected]</c> member or calls a
    /// <c>[RequiresRcuReadLock]</c> one: after the section that would be a KMEM0100.
    /// </summary>
    public static bool NeedsReadLock(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var part in node.DescendantNodesAndSelf().Where(n => n is SimpleNameSyntax or BaseObjectCreationExpressionSyntax or ElementAccessExpressionSyntax))
        {
            var symbol = model.GetSymbolInfo(part, cancellationToken).Symbol;
            if (symbol is null) continue;
            if (HasAttribute(symbol, RcuProtectedType) || HasAttribute(symbol, RequiresReadLockType)) return true;
            if (symbol is IPropertySymbol { GetMethod: { } getter } && HasAttribute(getter, RequiresReadLockType)) return true;
            if (symbol is IMethodSymbol { AssociatedSymbol: { } associated } && HasAttribute(associated, RequiresReadLockType)) return true;
        }
        return false;
    }

    private static bool IsGuardUsing(UsingStatementSyntax section, SemanticModel model, CancellationToken cancellationToken)
    {
        if (section.Declaration is { } declaration)
            return IsGuard(model.GetTypeInfo(declaration.Type, cancellationToken).Type);
        return section.Expression is { } expression && IsGuard(model.GetTypeInfo(expression, cancellationToken).Type);
    }

    private static bool IsGuard(ITypeSymbol? type) => type is not null && type.ToDisplayString() == GuardType;

    /// <summary>Whether the section is nested in another one, so that after it the moved statement would still be inside a section.</summary>
    private static bool IsInsideAnotherSection(UsingStatementSyntax section, SemanticModel model, CancellationToken cancellationToken)
    {
        SyntaxNode child = section;
        for (var current = section.Parent; current is not null; child = current, current = current.Parent)
        {
            switch (current)
            {
                case UsingStatementSyntax outer when outer.Statement == child && IsGuardUsing(outer, model, cancellationToken):
                    return true;
                case BlockSyntax block when block.Statements.TakeWhile(s => s != child).Any(s => s is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0, AwaitKeyword.RawKind: 0 } d
                                                                                                   && IsGuard(model.GetTypeInfo(d.Declaration.Type, cancellationToken).Type)):
                    return true;
                case AnonymousFunctionExpressionSyntax lambda:
                    return HasAttribute(model.GetSymbolInfo(lambda, cancellationToken).Symbol, RequiresReadLockType);
                case LocalFunctionStatementSyntax or MemberDeclarationSyntax or AccessorDeclarationSyntax:
                    // An accessor counts with its own attribute or its property's, as the analyzer has it.
                    var symbol = model.GetDeclaredSymbol(current, cancellationToken);
                    return HasAttribute(symbol, RequiresReadLockType) || (symbol is IMethodSymbol { AssociatedSymbol: { } property } && HasAttribute(property, RequiresReadLockType));
            }
        }
        return false;
    }

    private static bool HasAttribute(ISymbol? symbol, string attributeType)
        => symbol is not null && symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == attributeType);
}
