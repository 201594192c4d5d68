using System.Composition;
using KmemGen.Analyzers;
using KmemGen.CodeFixes.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KmemGen.CodeFixes.Rcu;

/// <summary>
/// KMEM0102: moves an <c>Rcu.Synchronize();</c> (or <c>Rcu.Barrier();</c>) that ends a read section's body (with any
/// waits after it) to just after the section, where it waits for the section instead of deadlocking in it:
/// <code>
/// using (Rcu.ReadLock()) { Unpublish(n); Rcu.Synchronize(); }   =>   using (Rcu.ReadLock()) { Unpublish(n); }
///                                                                     Rcu.Synchronize();
/// </code>
/// A section left empty goes with it. Offered only where the move changes nothing but the wait's place: the call
/// is a statement of its own, followed only by other waits to the end of a <c>using</c> statement's block whose resource is an
/// <c>RcuReadGuard</c>, that <c>using</c> stands in a block, and it is not itself inside another read section
/// (an enclosing <c>using</c>, an earlier <c>using var</c> guard, or a <c>[RequiresRcuReadLock]</c> function),
/// where the moved call would still deadlock. A call in the middle of a section has no such fix: ending the
/// section there and opening a new one after the wait would drop what the reader found before it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MoveSynchronizeAfterReadSectionCodeFix)), Shared]
public sealed class MoveSynchronizeAfterReadSectionCodeFix : NodeCodeFixProvider
{
    protected override string Title => "Move the wait after the read section";

    protected override string DiagnosticId => DiagnosticIds.SynchronizeInsideReadSection;

    protected override bool CanFix(SyntaxNode node, Diagnostic diagnostic) => Shape(node) is not null;

    protected override async Task<bool> CanFixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (Shape(node) is not var (_, section)) return false;
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model is not null && ReadSectionSyntax.IsOutermostSection(section, model, cancellationToken);
    }

    protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || !await CanFixAsync(document, node, diagnostic, cancellationToken).ConfigureAwait(false)) return document;
        var (waits, section) = Shape(node)!.Value;
        return document.WithSyntaxRoot(ReadSectionSyntax.MoveAfter(root, waits, section));
    }

    /// <summary>
    /// The wait's statement with the waits that follow it to the end of a section's block (they move together, so
    /// <c>Rcu.Synchronize(); Rcu.Barrier();</c> keeps its order), and that section, when the shape fits.
    /// </summary>
    private static (IReadOnlyList<StatementSyntax> Waits, UsingStatementSyntax Section)? Shape(SyntaxNode node)
    {
        if (node is not InvocationExpressionSyntax { Parent: ExpressionStatementSyntax wait } || wait.Parent is not BlockSyntax body) return null;
        var run = body.Statements.Skip(body.Statements.IndexOf(wait)).ToList();
        if (!run.Skip(1).All(IsWait) || ReadSectionSyntax.SectionEndedBy(run[run.Count - 1]) is not { } section) return null;
        return (run, section);
    }

    /// <summary><c>Rcu.Synchronize();</c> or <c>Rcu.Barrier();</c> (or qualified), as the analyzer reports them.</summary>
    private static bool IsWait(StatementSyntax statement)
        => statement is ExpressionStatementSyntax
        {
            Expression: InvocationExpressionSyntax
            {
                Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Synchronize" or "Barrier", Expression: var receiver },
            },
        } && receiver.ToString() is "Rcu" or "KmemGen.Rcu" or "global::KmemGen.Rcu";
}
