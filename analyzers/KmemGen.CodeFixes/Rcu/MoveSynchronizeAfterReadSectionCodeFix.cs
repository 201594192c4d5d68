using System.Composition;
using KmemGen.Analyzers;
using KmemGen.CodeFixes.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace KmemGen.CodeFixes.Rcu;

/// <summary>
/// KMEM0102: moves an <c>Rcu.Synchronize();</c> (or <c>Rcu.Barrier();</c>) that ends a read section's body to
/// just after the section, where it waits for the section instead of deadlocking in it:
/// <code>
/// using (Rcu.ReadLock()) { Unpublish(n); Rcu.Synchronize(); }   =>   using (Rcu.ReadLock()) { Unpublish(n); }
///                                                                     Rcu.Synchronize();
/// </code>
/// A section left empty goes with it. Offered only where the move changes nothing but the wait's place: the call
/// is a statement of its own, the last of a <c>using</c> statement's block whose resource is an
/// <c>RcuReadGuard</c>, that <c>using</c> stands in a block, and it is not itself inside another read section
/// (an enclosing <c>using</c>, an earlier <c>using var</c> guard, or a <c>[RequiresRcuReadLock]</c> function),
/// where the moved call would still deadlock. A call in the middle of a section has no such fix: ending the
/// section there and opening a new one after the wait would drop what the reader found before it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MoveSynchronizeAfterReadSectionCodeFix)), Shared]
public sealed class MoveSynchronizeAfterReadSectionCodeFix : NodeCodeFixProvider
{
    private const string GuardType = "KmemGen.RcuReadGuard";
    private const string RequiresReadLockType = "KmemGen.RequiresRcuReadLockAttribute";

    protected override string Title => "Move the wait after the read section";

    protected override string DiagnosticId => DiagnosticIds.SynchronizeInsideReadSection;

    protected override bool CanFix(SyntaxNode node, Diagnostic diagnostic) => Shape(node) is not null;

    protected override async Task<bool> CanFixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (Shape(node) is not var (_, section)) return false;
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model is not null && IsGuardUsing(section, model, cancellationToken) && !IsInsideAnotherSection(section, model, cancellationToken);
    }

    protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || !await CanFixAsync(document, node, diagnostic, cancellationToken).ConfigureAwait(false)) return document;
        var (wait, section) = Shape(node)!.Value;
        var outer = (BlockSyntax)section.Parent!;
        var body = (BlockSyntax)section.Statement;

        var moved = wait.WithAdditionalAnnotations(Formatter.Annotation);
        var remaining = body.Statements.Remove(wait);
        var statements = outer.Statements;
        int index = statements.IndexOf(section);
        if (remaining.Count == 0 && (section.Declaration is not null || section.Expression is InvocationExpressionSyntax))
        {
            // Nothing is read in the section any more: it goes, and the wait takes its place (and its comments).
            var leading = section.GetLeadingTrivia().AddRange(wait.GetLeadingTrivia().Where(t => !t.IsKind(SyntaxKind.WhitespaceTrivia) && !t.IsKind(SyntaxKind.EndOfLineTrivia)));
            statements = statements.Replace(section, moved.WithLeadingTrivia(leading));
        }
        else
        {
            var newSection = section.WithStatement(body.WithStatements(remaining));
            statements = statements.Replace(section, newSection).Insert(index + 1, moved);
        }
        return document.WithSyntaxRoot(root.ReplaceNode(outer, outer.WithStatements(statements)));
    }

    /// <summary>The wait's statement and the using statement whose block it ends, when the shape fits.</summary>
    private static (ExpressionStatementSyntax Wait, UsingStatementSyntax Section)? Shape(SyntaxNode node)
        => node is InvocationExpressionSyntax
           && node.Parent is ExpressionStatementSyntax { Parent: BlockSyntax { Parent: UsingStatementSyntax { Parent: BlockSyntax, AwaitKeyword.RawKind: 0 } section } body } wait
           && body.Statements[body.Statements.Count - 1] == wait
            ? (wait, section)
            : null;

    private static bool IsGuardUsing(UsingStatementSyntax section, SemanticModel model, CancellationToken cancellationToken)
    {
        if (section.Declaration is { } declaration)
            return IsGuard(model.GetTypeInfo(declaration.Type, cancellationToken).Type);
        return section.Expression is { } expression && IsGuard(model.GetTypeInfo(expression, cancellationToken).Type);
    }

    private static bool IsGuard(ITypeSymbol? type) => type is not null && type.ToDisplayString() == GuardType;

    /// <summary>Whether the section is nested in another one, so that after it the wait would still deadlock.</summary>
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
                    return RequiresReadLock(model.GetSymbolInfo(lambda, cancellationToken).Symbol);
                case LocalFunctionStatementSyntax or MemberDeclarationSyntax or AccessorDeclarationSyntax:
                    // An accessor counts with its own attribute or its property's, as the analyzer has it.
                    var symbol = model.GetDeclaredSymbol(current, cancellationToken);
                    return RequiresReadLock(symbol) || (symbol is IMethodSymbol { AssociatedSymbol: { } property } && RequiresReadLock(property));
            }
        }
        return false;
    }

    private static bool RequiresReadLock(ISymbol? symbol)
        => symbol is not null && symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == RequiresReadLockType);
}
