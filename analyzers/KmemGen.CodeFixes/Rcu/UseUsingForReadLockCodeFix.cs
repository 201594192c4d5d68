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
/// KMEM0104: a guard held in a plain local becomes a using. With a later <c>guard.Dispose();</c> in the
/// same block the section keeps its extent:
/// <code>
/// var g = Rcu.ReadLock(); A(); g.Dispose(); B();   =>   using (var g = Rcu.ReadLock()) { A(); } B();
/// var g = Rcu.ReadLock(); A();                     =>   using var g = Rcu.ReadLock(); A();
/// </code>
/// Offered only for a one-variable declaration statement directly in a block.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseUsingForReadLockCodeFix)), Shared]
public sealed class UseUsingForReadLockCodeFix : NodeCodeFixProvider
{
    protected override string Title => "Hold the RCU read guard in a using";

    protected override string DiagnosticId => DiagnosticIds.ReadSectionNotClosed;

    protected override bool CanFix(SyntaxNode node, Diagnostic diagnostic) => Plan(node) is not null;

    protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || Plan(node) is not var (declaration, block, start, dispose)) return document;

        BlockSyntax newBlock;
        if (dispose < 0)
        {
            var usingDeclaration = declaration
                .WithoutLeadingTrivia()
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithLeadingTrivia(declaration.GetLeadingTrivia());
            newBlock = block.ReplaceNode(declaration, usingDeclaration);
        }
        else
        {
            var body = block.Statements.Skip(start + 1).Take(dispose - start - 1).ToList();
            var disposeStatement = block.Statements[dispose];
            if (body.Count > 0) body[body.Count - 1] = body[body.Count - 1].WithoutTrailingTrivia();
            var usingStatement = SyntaxFactory.UsingStatement(declaration.Declaration.WithoutTrivia(), null, SyntaxFactory.Block(body))
                .WithLeadingTrivia(declaration.GetLeadingTrivia())
                .WithTrailingTrivia(disposeStatement.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            var statements = block.Statements.Take(start).Append(usingStatement).Concat(block.Statements.Skip(dispose + 1));
            newBlock = block.WithStatements(SyntaxFactory.List(statements));
        }
        return document.WithSyntaxRoot(root.ReplaceNode(block, newBlock));
    }

    /// <summary>
    /// Where the guard is declared and where it is disposed by hand (-1: never). Null when the fix cannot keep
    /// the code compiling: a local declared inside the section and used after the Dispose would fall out of scope.
    /// </summary>
    private static (LocalDeclarationStatementSyntax Declaration, BlockSyntax Block, int Start, int Dispose)? Plan(SyntaxNode node)
    {
        if (Declaration(node) is not { Parent: BlockSyntax block } declaration) return null;
        var name = declaration.Declaration.Variables[0].Identifier.ValueText;
        int start = block.Statements.IndexOf(declaration);
        int dispose = -1;
        for (int i = start + 1; i < block.Statements.Count; i++)
        {
            if (IsDisposeOf(block.Statements[i], name)) { dispose = i; break; }
        }
        if (dispose < 0) return (declaration, block, start, dispose);

        var inner = new HashSet<string>(StringComparer.Ordinal);
        for (int i = start + 1; i < dispose; i++)
        {
            if (block.Statements[i] is LocalDeclarationStatementSyntax local)
                foreach (var variable in local.Declaration.Variables) inner.Add(variable.Identifier.ValueText);
        }
        for (int i = dispose + 1; i < block.Statements.Count && inner.Count > 0; i++)
        {
            if (block.Statements[i].DescendantNodes().OfType<IdentifierNameSyntax>().Any(id => inner.Contains(id.Identifier.ValueText))) return null;
        }
        return (declaration, block, start, dispose);
    }

    /// <summary>The declaration statement <c>var g = Rcu.ReadLock();</c> whose initializer is the reported call.</summary>
    private static LocalDeclarationStatementSyntax? Declaration(SyntaxNode node)
        => node is InvocationExpressionSyntax
           && node.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } } }
           && statement.UsingKeyword.RawKind == 0 && statement.Parent is BlockSyntax
            ? statement
            : null;

    private static bool IsDisposeOf(StatementSyntax statement, string name)
        => statement is ExpressionStatementSyntax
        {
            Expression: InvocationExpressionSyntax
            {
                ArgumentList.Arguments.Count: 0,
                Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose", Expression: IdentifierNameSyntax receiver },
            },
        } && receiver.Identifier.ValueText == name;
}
