using System.Composition;
using KmemGen.Analyzers;
using KmemGen.CodeFixes.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

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
        var (wait, section) = Shape(node)!.Value;
        return document.WithSyntaxRoot(ReadSectionSyntax.MoveAfter(root, wait, section));
    }

    /// <summary>The wait's statement and the using statement whose block it ends, when the shape fits.</summary>
    private static (ExpressionStatementSyntax Wait, UsingStatementSyntax Section)? Shape(SyntaxNode node)
        => node is InvocationExpressionSyntax { Parent: ExpressionStatementSyntax wait } && ReadSectionSyntax.SectionEndedBy(wait) is { } section
            ? (wait, section)
            : null;
}
