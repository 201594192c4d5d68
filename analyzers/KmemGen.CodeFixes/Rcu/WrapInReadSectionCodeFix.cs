using System.Composition;
using KmemGen.Analyzers;
using KmemGen.CodeFixes.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace KmemGen.CodeFixes.Rcu;

/// <summary>
/// KMEM0100: wraps the statement holding the RCU-protected access in <c>using (Rcu.ReadLock()) { ... }</c>.
/// A local declaration is wrapped together with the statements after it that use its locals, so they
/// stay in scope. An expression body (method, local function, operator, constructor, property, indexer,
/// accessor, lambda) becomes a block body whose one statement (<c>return e;</c>, <c>e;</c> for a void
/// body, <c>throw x;</c> for a throw expression) is wrapped. Not offered inside a lambda or local function
/// the statement would not cover, outside a block, for an async expression body or statements that await or
/// yield (the guard cannot live across them: CS4007, KMEM0103), in an async function or iterator at all before
/// C# 13 (CS9104), or for a lambda converted to an expression tree (CS0834).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WrapInReadSectionCodeFix)), Shared]
public sealed class WrapInReadSectionCodeFix : NodeCodeFixProvider
{
    protected override string Title => "Wrap in an RCU read section";

    protected override string DiagnosticId => DiagnosticIds.RcuAccessOutsideReadSection;

    protected override bool CanFix(SyntaxNode node, Diagnostic diagnostic) => Target(node) is not null;

    protected override async Task<bool> CanFixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var target = Target(node);
        if (target is not LambdaExpressionSyntax lambda) return target is not null;
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model is not null && LambdaReturnsVoid(lambda, model, cancellationToken) is not null;
    }

    protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var target = Target(node);
        if (root is null || target is null) return document;
        if (target is ArrowExpressionClauseSyntax arrow)
        {
            return MemberBodyReturnsVoid(arrow) is { } returnsVoid && ToBlockBody(arrow, returnsVoid, NewLine(root)) is { } member
                ? document.WithSyntaxRoot(root.ReplaceNode(arrow.Parent!, member))
                : document;
        }
        if (target is LambdaExpressionSyntax lambda)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model is null || LambdaReturnsVoid(lambda, model, cancellationToken) is not { } returnsVoid) return document;
            var lambdaBody = BlockBody(lambda.ExpressionBody!, returnsVoid, default, NewLine(root));
            return document.WithSyntaxRoot(root.ReplaceNode(lambda, lambda.WithExpressionBody(null).WithBlock(lambdaBody)));
        }

        var statement = (StatementSyntax)target;
        if (IsAlreadyInReadSection(statement)) return document;
        if (statement.Parent is not BlockSyntax block)
            return document.WithSyntaxRoot(root.ReplaceNode(statement, Wrap([statement])));

        var wrapped = Covered(statement);
        int start = block.Statements.IndexOf(statement);
        var statements = block.Statements.Take(start).Append(Wrap(wrapped)).Concat(block.Statements.Skip(start + wrapped.Count));
        return document.WithSyntaxRoot(root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(statements))));
    }

    /// <summary>
    /// The statements the section will hold: the statement, and for a local declaration every later statement of
    /// its block that uses the declared locals (and those between), or they would fall out of scope.
    /// </summary>
    private static IReadOnlyList<StatementSyntax> Covered(StatementSyntax statement)
    {
        if (statement.Parent is not BlockSyntax block) return [statement];
        int start = block.Statements.IndexOf(statement);
        int end = start;
        if (statement is LocalDeclarationStatementSyntax declaration)
        {
            var names = new HashSet<string>(declaration.Declaration.Variables.Select(v => v.Identifier.ValueText), StringComparer.Ordinal);
            for (int i = start + 1; i < block.Statements.Count; i++)
            {
                if (block.Statements[i].DescendantNodes().OfType<IdentifierNameSyntax>().Any(id => names.Contains(id.Identifier.ValueText))) end = i;
            }
        }
        return block.Statements.Skip(start).Take(end - start + 1).ToList();
    }

    /// <summary>
    /// Whether the statements await or yield (outside nested functions). The guard is a ref struct: it cannot live
    /// across an await or a yield (CS4007), and a section must not sleep anyway (KMEM0103).
    /// </summary>
    private static bool Suspends(IEnumerable<StatementSyntax> statements)
        => statements.SelectMany(s => s.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
            .Any(n => n is AwaitExpressionSyntax or YieldStatementSyntax
                      || n is CommonForEachStatementSyntax { AwaitKeyword.RawKind: not 0 }
                      || n is UsingStatementSyntax { AwaitKeyword.RawKind: not 0 }
                      || n is LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: not 0 });

    /// <summary>
    /// What the fix rewrites: the statement to wrap, or the expression body to turn into a block (the member's
    /// <see cref="ArrowExpressionClauseSyntax"/>, or the lambda). Null where no rewrite keeps the code right.
    /// </summary>
    private static SyntaxNode? Target(SyntaxNode node)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ArrowExpressionClauseSyntax arrow:
                    return MemberBodyReturnsVoid(arrow) is not null && !IsAsync(arrow.Parent!) ? arrow : null;
                case LambdaExpressionSyntax { ExpressionBody: { } body } lambda when body.Span.Contains(node.Span):
                    return lambda.AsyncKeyword.RawKind == 0 ? lambda : null;
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax:
                    return null; // wrapping the outer statement would not put this body in the section
                case StatementSyntax statement when statement.Parent is BlockSyntax || IsEmbedded(statement):
                    return statement is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 } || Suspends(Covered(statement))
                           || (InAsyncOrIterator(statement) && !AllowsRefStructsInAsync(statement)) ? null : statement;
                case MemberDeclarationSyntax or GlobalStatementSyntax:
                    return null;
            }
        }
        return null;
    }

    /// <summary>Whether the function the statement runs in is async or an iterator.</summary>
    private static bool InAsyncOrIterator(StatementSyntax statement)
    {
        foreach (var ancestor in statement.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax lambda:
                    return lambda.AsyncKeyword.RawKind != 0;
                case LocalFunctionStatementSyntax function:
                    return function.Modifiers.Any(SyntaxKind.AsyncKeyword) || Yields(function.Body);
                case BaseMethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword) || Yields(method.Body);
                case AccessorDeclarationSyntax accessor:
                    return Yields(accessor.Body);
                case GlobalStatementSyntax { Parent: CompilationUnitSyntax unit }:
                    // Top-level statements make an async Main as soon as one of them awaits.
                    return unit.Members.OfType<GlobalStatementSyntax>().Any(g => g.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                        .Any(n => n is AwaitExpressionSyntax || n is CommonForEachStatementSyntax { AwaitKeyword.RawKind: not 0 }
                                  || n is UsingStatementSyntax { AwaitKeyword.RawKind: not 0 } || n is LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: not 0 }));
                case MemberDeclarationSyntax:
                    return false;
            }
        }
        return false;
    }

    private static bool Yields(SyntaxNode? body)
        => body is not null && body.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).OfType<YieldStatementSyntax>().Any();

    /// <summary>
    /// C# 13 lets a ref struct (the guard) live in an async method or iterator between awaits and yields; before
    /// it, a using of one there is an error (CS9104).
    /// </summary>
    private static bool AllowsRefStructsInAsync(SyntaxNode node)
        => node.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: var version } && (int)version >= 1300;

    private static bool IsAsync(SyntaxNode member)
        => member switch
        {
            BaseMethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.AsyncKeyword),
            LocalFunctionStatementSyntax function => function.Modifiers.Any(SyntaxKind.AsyncKeyword),
            _ => false,
        };

    /// <summary>Whether the member's expression body is a void one (true), a value one (false), or a shape the fix leaves alone (null).</summary>
    private static bool? MemberBodyReturnsVoid(ArrowExpressionClauseSyntax arrow)
        => arrow.Parent switch
        {
            MethodDeclarationSyntax method => IsVoid(method.ReturnType),
            LocalFunctionStatementSyntax function => IsVoid(function.ReturnType),
            ConstructorDeclarationSyntax or DestructorDeclarationSyntax => true,
            OperatorDeclarationSyntax or ConversionOperatorDeclarationSyntax => false,
            PropertyDeclarationSyntax or IndexerDeclarationSyntax => false,
            AccessorDeclarationSyntax accessor => !accessor.IsKind(SyntaxKind.GetAccessorDeclaration),
            _ => null,
        };

    private static bool IsVoid(TypeSyntax type) => type is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword };

    /// <summary>Whether the lambda's delegate returns void; null when it is not converted to a delegate (an expression tree cannot hold a block).</summary>
    private static bool? LambdaReturnsVoid(LambdaExpressionSyntax lambda, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetTypeInfo(lambda, cancellationToken).ConvertedType is not { TypeKind: TypeKind.Delegate }) return null;
        return model.GetSymbolInfo(lambda, cancellationToken).Symbol is IMethodSymbol method ? method.ReturnsVoid : null;
    }

    /// <summary>The member with its expression body replaced by a block body (properties and indexers get a get accessor).</summary>
    private static SyntaxNode? ToBlockBody(ArrowExpressionClauseSyntax arrow, bool returnsVoid, string newLine)
    {
        switch (arrow.Parent)
        {
            case BaseMethodDeclarationSyntax method:
                return method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(BlockBody(arrow.Expression, returnsVoid, method.SemicolonToken, newLine));
            case LocalFunctionStatementSyntax function:
                return function.WithExpressionBody(null).WithSemicolonToken(default).WithBody(BlockBody(arrow.Expression, returnsVoid, function.SemicolonToken, newLine));
            case AccessorDeclarationSyntax accessor:
                return accessor.WithExpressionBody(null).WithSemicolonToken(default).WithBody(BlockBody(arrow.Expression, returnsVoid, accessor.SemicolonToken, newLine));
            case BasePropertyDeclarationSyntax property and (PropertyDeclarationSyntax or IndexerDeclarationSyntax):
                var semicolon = property is PropertyDeclarationSyntax p ? p.SemicolonToken : ((IndexerDeclarationSyntax)property).SemicolonToken;
                var getter = SyntaxFactory.AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, BlockBody(arrow.Expression, returnsVoid, default, newLine));
                var accessors = SyntaxFactory.AccessorList(SyntaxFactory.SingletonList(getter))
                    .WithTrailingTrivia(semicolon.TrailingTrivia)
                    .WithAdditionalAnnotations(Formatter.Annotation);
                return property switch
                {
                    PropertyDeclarationSyntax prop => prop.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(accessors),
                    IndexerDeclarationSyntax indexer => indexer.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(accessors),
                    _ => null,
                };
            default:
                return null;
        }
    }

    /// <summary>
    /// <c>{ using (Rcu.ReadLock()) { return e; } }</c>, carrying the old semicolon's trailing trivia (a comment, the
    /// line break). The line breaks are explicit: the formatter keeps a block it finds on one line as it is.
    /// </summary>
    private static BlockSyntax BlockBody(ExpressionSyntax expression, bool returnsVoid, SyntaxToken semicolon, string newLine)
    {
        var eol = SyntaxFactory.EndOfLine(newLine);
        // The indentation of a body continued on the next line goes; a comment before it stays.
        var value = expression.WithLeadingTrivia(expression.GetLeadingTrivia().SkipWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia) || t.IsKind(SyntaxKind.EndOfLineTrivia)))
            .WithoutTrailingTrivia();
        StatementSyntax statement = value switch
        {
            ThrowExpressionSyntax @throw => SyntaxFactory.ThrowStatement(@throw.Expression),
            _ when returnsVoid => SyntaxFactory.ExpressionStatement(value),
            _ => SyntaxFactory.ReturnStatement(SyntaxFactory.Token(SyntaxKind.ReturnKeyword).WithTrailingTrivia(SyntaxFactory.Space), value, SyntaxFactory.Token(SyntaxKind.SemicolonToken)),
        };
        var section = Wrap([statement.WithTrailingTrivia(eol)]);
        section = section.WithStatement(((BlockSyntax)section.Statement)
                .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(eol))
                .WithCloseBraceToken(SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithTrailingTrivia(eol)))
            .WithCloseParenToken(SyntaxFactory.Token(SyntaxKind.CloseParenToken).WithTrailingTrivia(eol));
        return SyntaxFactory.Block(
                SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(eol),
                SyntaxFactory.SingletonList<StatementSyntax>(section),
                SyntaxFactory.Token(SyntaxKind.CloseBraceToken))
            .WithTrailingTrivia(semicolon.TrailingTrivia)
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    /// <summary>The line break the document uses (its first one), or a line feed.</summary>
    private static string NewLine(SyntaxNode root)
        => root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } trivia ? trivia.ToString() : "\n";

    private static bool IsEmbedded(StatementSyntax statement)
        => statement.Parent is IfStatementSyntax or ElseClauseSyntax or WhileStatementSyntax or ForStatementSyntax
            or ForEachStatementSyntax or DoStatementSyntax or UsingStatementSyntax or LockStatementSyntax or FixedStatementSyntax;

    /// <summary>After an earlier fix in the same Fix All, the statement may already sit in a section it made.</summary>
    private static bool IsAlreadyInReadSection(SyntaxNode statement)
    {
        foreach (var ancestor in statement.Ancestors())
        {
            if (ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax) return false;
            if (ancestor is UsingStatementSyntax { Expression: InvocationExpressionSyntax call } && call.ToString().EndsWith("Rcu.ReadLock()", StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static UsingStatementSyntax Wrap(IReadOnlyList<StatementSyntax> statements)
    {
        var first = statements[0];
        var last = statements[statements.Count - 1];
        // The first statement's indentation and the last one's line break move out to the using statement.
        var body = statements.Select((s, i) => (i == 0 ? s.WithoutLeadingTrivia() : s) is var t && i == statements.Count - 1 ? t.WithoutTrailingTrivia() : t).ToList();
        // Annotate the type name, not the call: the simplifier reduces names, and `Rcu` alone binds after `using KmemGen;`.
        var rcu = SyntaxFactory.ParseTypeName("global::KmemGen.Rcu").WithAdditionalAnnotations(Simplifier.Annotation);
        var readLock = SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, rcu, SyntaxFactory.IdentifierName("ReadLock")));
        return SyntaxFactory.UsingStatement(declaration: null, expression: readLock, statement: SyntaxFactory.Block(body))
            .WithLeadingTrivia(first.GetLeadingTrivia())
            .WithTrailingTrivia(last.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
    }
}
