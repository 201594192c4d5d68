using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace KmemGen.CodeFixes.Common;

/// <summary>One fix applied to the node a diagnostic points at; returns the changed document (or the same one).</summary>
internal delegate Task<Document> NodeFix(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken);

/// <summary>
/// Fix All that applies the single fix to each diagnostic in turn, in source order, on the document the
/// previous fix produced. The diagnostic nodes are annotated first so they can be found again after
/// earlier edits moved them. Unlike the batch fixer this lets a fix see earlier ones: a statement already
/// wrapped in a read section is left alone, and fresh local names do not collide.
/// </summary>
internal static class SequentialFixAll
{
    public static FixAllProvider Create(NodeFix fix)
        => FixAllProvider.Create(async (context, document, diagnostics) => await FixAsync(document, diagnostics, fix, context.CancellationToken).ConfigureAwait(false));

    /// <summary>The node a diagnostic's span names (the innermost one when several share the span).</summary>
    public static SyntaxNode? FindNode(SyntaxNode root, Diagnostic diagnostic)
    {
        var span = diagnostic.Location.SourceSpan;
        if (!root.FullSpan.Contains(span)) return null;
        return root.FindNode(span, getInnermostNodeForTie: true);
    }

    private static async Task<Document> FixAsync(Document document, ImmutableArray<Diagnostic> diagnostics, NodeFix fix, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var byNode = new Dictionary<SyntaxNode, (SyntaxAnnotation Annotation, Diagnostic Diagnostic)>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            if (FindNode(root, diagnostic) is { } node && !byNode.ContainsKey(node)) byNode[node] = (new SyntaxAnnotation("KmemGenFixAll"), diagnostic);
        }
        var order = byNode.OrderBy(p => p.Key.SpanStart).Select(p => p.Value).ToList();
        document = document.WithSyntaxRoot(root.ReplaceNodes(byNode.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(byNode[original].Annotation)));

        foreach (var (annotation, diagnostic) in order)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var node = current?.GetAnnotatedNodes(annotation).FirstOrDefault();
            if (node is null) continue;
            document = await fix(document, node, diagnostic, cancellationToken).ConfigureAwait(false);
        }
        return document;
    }
}
