using System.Collections.Immutable;
using System.Composition;
using KmemGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace KmemGen.CodeFixes.Balance;

/// <summary>
/// KMEM0201/KMEM0202: moves everything after the acquire into try { … } finally { release; } and drops the
/// releases the finally now does. The analyzer offers it only where that is clearly right (one acquire of
/// this resource, our own local or only exception paths, never handed over) and names the release call in
/// the diagnostic's properties, since this assembly sees no symbols of the analyzers.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReleaseInFinallyCodeFix)), Shared]
public sealed class ReleaseInFinallyCodeFix : CodeFixProvider
{
    private const string Title = "Release in a finally block";
    private static readonly SyntaxAnnotation s_release = new("KmemGen.ReleaseToDrop");

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticIds.AcquireLeaked, DiagnosticIds.AcquireLeakedOnException);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticIds.BalanceFixReleaseCall, out var call) || call is null) continue;
            if (!diagnostic.Properties.TryGetValue(DiagnosticIds.BalanceFixReleaseTarget, out var target) || target is null) continue;
            var statement = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<StatementSyntax>();
            if (statement?.Parent is not BlockSyntax block || block.Statements.IndexOf(statement) == block.Statements.Count - 1) continue;
            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => Task.FromResult(document.WithSyntaxRoot(Rewrite(root, block, statement, call, target))), Title),
                diagnostic);
        }
    }

    private static SyntaxNode Rewrite(SyntaxNode root, BlockSyntax block, StatementSyntax acquire, string call, string target)
    {
        int index = block.Statements.IndexOf(acquire);
        var rest = SyntaxFactory.Block(block.Statements.Skip(index + 1));
        rest = DropReleases(rest, target);
        var release = SyntaxFactory.ParseStatement(call + ";");
        var tryStatement = SyntaxFactory.TryStatement(rest, default, SyntaxFactory.FinallyClause(SyntaxFactory.Block(release)))
            .WithAdditionalAnnotations(Formatter.Annotation);
        var statements = block.Statements.Take(index + 1).Append(tryStatement);
        return root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(statements)));
    }

    /// <summary>The finally releases now: a release statement left in the moved code would release twice.</summary>
    private static BlockSyntax DropReleases(BlockSyntax rest, string target)
    {
        var releases = rest.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .OfType<ExpressionStatementSyntax>()
            .Where(s => s.Expression is InvocationExpressionSyntax invocation && Squeeze(invocation.Expression.ToString()) == Squeeze(target))
            .ToList();
        if (releases.Count == 0) return rest;
        rest = rest.ReplaceNodes(releases, (_, s) => s.WithAdditionalAnnotations(s_release));
        // A release that is the whole body of an if/else/loop becomes an empty block; one in a block is removed.
        var embedded = rest.GetAnnotatedNodes(s_release).Where(n => n.Parent is not BlockSyntax).ToList();
        rest = rest.ReplaceNodes(embedded, (_, _) => SyntaxFactory.Block());
        var inBlocks = rest.GetAnnotatedNodes(s_release).ToList();
        return rest.RemoveNodes(inBlocks, SyntaxRemoveOptions.KeepNoTrivia) ?? rest;
    }

    private static string Squeeze(string text) => new(text.Where(c => !char.IsWhiteSpace(c)).ToArray());
}
