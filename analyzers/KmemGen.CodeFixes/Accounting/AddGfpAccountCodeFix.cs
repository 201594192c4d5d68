using System.Composition;
using KmemGen.Analyzers;
using KmemGen.CodeFixes.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace KmemGen.CodeFixes.Accounting;

/// <summary>KMEM0001: <c>Kmalloc.Alloc(n, f)</c> becomes <c>Kmalloc.Alloc(n, f | Gfp.Account)</c>; an omitted Gfp argument is added.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddGfpAccountCodeFix)), Shared]
public sealed class AddGfpAccountCodeFix : NodeCodeFixProvider
{
    protected override string Title => "Add Gfp.Account";

    protected override string DiagnosticId => DiagnosticIds.MissingAccount;

    protected override bool CanFix(SyntaxNode node, Diagnostic diagnostic) => Rewrite(node, diagnostic) is not null;

    protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var replacement = Rewrite(node, diagnostic);
        if (root is null || replacement is null) return document;
        return document.WithSyntaxRoot(root.ReplaceNode(replacement.Value.Old, replacement.Value.New));
    }

    private static (SyntaxNode Old, SyntaxNode New)? Rewrite(SyntaxNode node, Diagnostic diagnostic)
    {
        if (diagnostic.Properties.TryGetValue(DiagnosticIds.OmittedGfpParameterProperty, out var parameter) && parameter is not null)
        {
            if (node is not InvocationExpressionSyntax invocation) return null;
            var positional = diagnostic.Properties.TryGetValue(DiagnosticIds.OmittedGfpPositionalProperty, out var p) && p == "true";
            var argument = positional
                ? SyntaxFactory.Argument(GfpAccount())
                : SyntaxFactory.Argument(SyntaxFactory.NameColon(parameter), default, GfpAccount());
            return (invocation, invocation.AddArgumentListArguments(argument).WithAdditionalAnnotations(Formatter.Annotation));
        }

        if (node is ArgumentSyntax { Expression: var inner }) node = inner;
        if (node is not ExpressionSyntax expression) return null;
        var left = NeedsParentheses(expression) ? SyntaxFactory.ParenthesizedExpression(expression.WithoutTrivia()) : expression.WithoutTrivia();
        var combined = SyntaxFactory.BinaryExpression(SyntaxKind.BitwiseOrExpression,
            left.WithTrailingTrivia(SyntaxFactory.Space),
            SyntaxFactory.Token(SyntaxKind.BarToken).WithTrailingTrivia(SyntaxFactory.Space),
            GfpAccount());
        return (expression, combined.WithTriviaFrom(expression));
    }

    // '|' binds more loosely than member access, casts, arithmetic, shifts, '&' and '^'; anything looser needs parentheses.
    private static bool NeedsParentheses(ExpressionSyntax expression)
        => expression switch
        {
            BinaryExpressionSyntax binary => binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression or SyntaxKind.CoalesceExpression
                or SyntaxKind.EqualsExpression or SyntaxKind.NotEqualsExpression or SyntaxKind.AsExpression or SyntaxKind.IsExpression,
            ConditionalExpressionSyntax or AssignmentExpressionSyntax or LambdaExpressionSyntax or SwitchExpressionSyntax or IsPatternExpressionSyntax => true,
            _ => false,
        };

    private static ExpressionSyntax GfpAccount()
        => SyntaxFactory.ParseExpression("global::KmemGen.Gfp.Account").WithAdditionalAnnotations(Simplifier.Annotation);
}
