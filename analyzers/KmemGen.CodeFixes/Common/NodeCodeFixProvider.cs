using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace KmemGen.CodeFixes.Common;

/// <summary>
/// The shape the accounting and RCU fixes share: one diagnostic ID, one action per diagnostic on the
/// node its span names, offered only where <see cref="CanFix"/> says the rewrite applies, and Fix All
/// replaying the same per-node fix in source order (<see cref="SequentialFixAll"/>).
/// </summary>
public abstract class NodeCodeFixProvider : CodeFixProvider
{
    /// <summary>The action's title, also its equivalence key (so Fix All groups it).</summary>
    protected abstract string Title { get; }

    protected abstract string DiagnosticId { get; }

    /// <summary>Whether the rewrite applies to <paramref name="node"/>; no action is offered otherwise.</summary>
    protected abstract bool CanFix(SyntaxNode node, Diagnostic diagnostic);

    /// <summary>
    /// <see cref="CanFix"/> for a fix that also needs the semantic model to decide (a lambda's delegate type);
    /// by default the syntactic check alone.
    /// </summary>
    protected virtual Task<bool> CanFixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        => Task.FromResult(CanFix(node, diagnostic));

    /// <summary>The rewrite; returns the document unchanged when, on a later look, it no longer applies.</summary>
    protected abstract Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken);

    public sealed override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticId);

    public sealed override FixAllProvider GetFixAllProvider() => SequentialFixAll.Create(FixAsync);

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (SequentialFixAll.FindNode(root, diagnostic) is not { } node
                || !await CanFixAsync(context.Document, node, diagnostic, context.CancellationToken).ConfigureAwait(false))
            {
                continue;
            }
            context.RegisterCodeFix(CodeAction.Create(Title, ct => FixAsync(context.Document, node, diagnostic, ct), Title), diagnostic);
        }
    }
}
