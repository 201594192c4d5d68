using System.Composition;
using KmemGen.Analyzers;
using KmemGen.CodeFixes.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace KmemGen.CodeFixes.Rcu;

/// <summary>
/// KMEM0101: replaces an unconditional get on an RCU-read object with the kernel's retry loop
/// (get_mem_cgroup_from_objcg: re-read the pointer until css_tryget succeeds):
/// <code>
/// objcg.MemCgroup.CssGet();        =>  MemCgroup memcg;
///                                      do { memcg = objcg.MemCgroup; } while (!memcg.CssTryGet());
/// var m = objcg.MemCgroup;         =>  var m = objcg.MemCgroup;
/// m.CssGet();                          while (!m.CssTryGet()) { m = objcg.MemCgroup; }
/// </code>
/// Offered when the get is a statement of its own.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseConditionalGetCodeFix)), Shared]
public sealed class UseConditionalGetCodeFix : NodeCodeFixProvider
{
    protected override string Title => "Use a conditional get in a retry loop";

    protected override string DiagnosticId => DiagnosticIds.UnconditionalGetUnderRcu;

    protected override bool CanFix(SyntaxNode node, Diagnostic diagnostic) => node is InvocationExpressionSyntax { Parent: ExpressionStatementSyntax, Expression: MemberAccessExpressionSyntax };

    protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (node is not InvocationExpressionSyntax { Parent: ExpressionStatementSyntax statement, Expression: MemberAccessExpressionSyntax access }) return document;
        if (!diagnostic.Properties.TryGetValue(DiagnosticIds.TryGetMethodProperty, out var tryGet) || string.IsNullOrEmpty(tryGet)) return document;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return document;

        var receiver = access.Expression;
        IReadOnlyList<StatementSyntax>? replacement;
        if (receiver is IdentifierNameSyntax local && model.GetSymbolInfo(local, cancellationToken).Symbol is ILocalSymbol symbol)
        {
            // while (!m.CssTryGet()) { m = <the protected read it came from>; }
            var source = symbol.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<VariableDeclaratorSyntax>()
                .Select(d => d.Initializer?.Value).FirstOrDefault(v => v is not null);
            if (source is null) return document;
            replacement = [SyntaxFactory.WhileStatement(NotTryGet(local, tryGet!), SyntaxFactory.Block(Assign(local.Identifier.ValueText, source)))];
        }
        else
        {
            // T name; do { name = <read>; } while (!name.CssTryGet());
            var type = model.GetTypeInfo(receiver, cancellationToken).Type;
            if (type is null || type.TypeKind == TypeKind.Error) return document;
            var name = FreshName(model, statement, type.Name);
            var declaration = SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(
                (TypeSyntax)SyntaxGenerator.GetGenerator(document).TypeExpression(type).WithAdditionalAnnotations(Simplifier.Annotation),
                SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(name))));
            var loop = SyntaxFactory.DoStatement(SyntaxFactory.Block(Assign(name, receiver)), NotTryGet(SyntaxFactory.IdentifierName(name), tryGet!));
            replacement = [declaration, loop];
        }

        var annotated = replacement.Select((s, i) => (StatementSyntax)(i == 0 ? s.WithLeadingTrivia(statement.GetLeadingTrivia()) : s).WithAdditionalAnnotations(Formatter.Annotation)).ToList();
        annotated[annotated.Count - 1] = annotated[annotated.Count - 1].WithTrailingTrivia(statement.GetTrailingTrivia());
        SyntaxNode newRoot = statement.Parent is BlockSyntax
            ? root.ReplaceNode(statement, annotated)
            : root.ReplaceNode(statement, SyntaxFactory.Block(annotated).WithAdditionalAnnotations(Formatter.Annotation));
        return document.WithSyntaxRoot(newRoot);
    }

    private static ExpressionSyntax NotTryGet(ExpressionSyntax receiver, string tryGet)
        => SyntaxFactory.PrefixUnaryExpression(SyntaxKind.LogicalNotExpression,
            SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver.WithoutTrivia(), SyntaxFactory.IdentifierName(tryGet))));

    private static StatementSyntax Assign(string name, ExpressionSyntax value)
        => SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression,
            SyntaxFactory.IdentifierName(name), value.WithoutTrivia()));

    /// <summary>camelCase of the type name ("MemCgroup" gives "memCgroup"), numbered if something in scope already has it.</summary>
    private static string FreshName(SemanticModel model, StatementSyntax statement, string typeName)
    {
        int position = statement.SpanStart;
        var baseName = typeName.Length == 0 ? "value" : char.ToLowerInvariant(typeName[0]) + typeName.Substring(1);
        if (SyntaxFacts.GetKeywordKind(baseName) != SyntaxKind.None) baseName = "@" + baseName;
        var taken = new HashSet<string>(model.LookupSymbols(position).Select(s => s.Name), StringComparer.Ordinal);
        // Locals declared later in the member are not in scope yet but would still clash (CS0136).
        var member = statement.FirstAncestorOrSelf<MemberDeclarationSyntax>();
        if (member is not null)
        {
            foreach (var declarator in member.DescendantNodes().OfType<VariableDeclaratorSyntax>()) taken.Add(declarator.Identifier.ValueText);
            foreach (var designation in member.DescendantNodes().OfType<SingleVariableDesignationSyntax>()) taken.Add(designation.Identifier.ValueText);
        }
        var name = baseName;
        for (int i = 2; taken.Contains(name.TrimStart('@')); i++) name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return name;
    }
}
