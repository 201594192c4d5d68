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
/// stay in scope. Not offered inside a lambda or local function the statement would not cover, or
/// outside a block.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WrapInReadSectionCodeFix)), Shared]
public sealed class WrapInReadSectionCodeFix : NodeCodeFixProvider
{
    protected override string Title => "Wrap in an RCU read section";

    protected override string DiagnosticId => DiagnosticIds.RcuAccessOutsideReadSection;

    protected override bool CanFix(SyntaxNode node, Diagnostic diagnostic) => TargetStatement(node) is not null;

    protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var statement = TargetStatement(node);
        if (root is null || statement is null || IsAlreadyInReadSection(statement)) return document;

        if (statement.Parent is not BlockSyntax block)
            return document.WithSyntaxRoot(root.ReplaceNode(statement, Wrap([statement])));

        int start = block.Statements.IndexOf(statement);
        int end = start;
        if (statement is LocalDeclarationStatementSyntax declaration)
        {
            // Keep every later use of the declared locals inside the new braces, or they would fall out of scope.
            var names = new HashSet<string>(declaration.Declaration.Variables.Select(v => v.Identifier.ValueText), StringComparer.Ordinal);
            for (int i = start + 1; i < block.Statements.Count; i++)
            {
                if (block.Statements[i].DescendantNodes().OfType<IdentifierNameSyntax>().Any(id => names.Contains(id.Identifier.ValueText))) end = i;
            }
        }

        var wrapped = block.Statements.Skip(start).Take(end - start + 1).ToList();
        var statements = block.Statements.Take(start).Append(Wrap(wrapped)).Concat(block.Statements.Skip(end + 1));
        return document.WithSyntaxRoot(root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(statements))));
    }

    private static StatementSyntax? TargetStatement(SyntaxNode node)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax:
                    return null; // wrapping the outer statement would not put this body in the section
                case StatementSyntax statement when statement.Parent is BlockSyntax || IsEmbedded(statement):
                    return statement is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 } ? null : statement;
                case MemberDeclarationSyntax or GlobalStatementSyntax:
                    return null;
            }
        }
        return null;
    }

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
