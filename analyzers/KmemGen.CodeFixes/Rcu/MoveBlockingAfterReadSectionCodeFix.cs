using System.Composition;
using KmemGen.Analyzers;
using KmemGen.CodeFixes.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KmemGen.CodeFixes.Rcu;

/// <summary>
/// KMEM0103: moves the statement that blocks, when it ends a read section and uses nothing the section found, to
/// just after the section (rcu_read_unlock() before sleeping):
/// <code>
/// using (Rcu.ReadLock()) { usage = objcg.MemCgroup.Usage; lock (_gate) { Record(); } }
///     =>   using (Rcu.ReadLock()) { usage = objcg.MemCgroup.Usage; } lock (_gate) { Record(); }
/// </code>
/// Offered only when the move cannot change what the statement sees: it is the last statement of a
/// <c>using</c> block of an <c>RcuReadGuard</c> that stands in a block and is not nested in another section; it
/// reads no variable the section declares or writes (a value read under RCU would then be used after the
/// section: KMEM0105), reads no <c>[RcuProtected]</c> member and calls no <c>[RequiresRcuReadLock]</c> one
/// (KMEM0100 after the move), and is not a local declaration (its scope would change). Anything else needs the
/// value copied out or a reference taken first, a decision the fix cannot make.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MoveBlockingAfterReadSectionCodeFix)), Shared]
public sealed class MoveBlockingAfterReadSectionCodeFix : NodeCodeFixProvider
{
    protected override string Title => "Move the blocking statement after the read section";

    protected override string DiagnosticId => DiagnosticIds.BlockingInsideReadSection;

    protected override bool CanFix(SyntaxNode node, Diagnostic diagnostic) => Shape(node) is not null;

    protected override async Task<bool> CanFixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (Shape(node) is not var (statement, section)) return false;
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model is not null
               && ReadSectionSyntax.IsOutermostSection(section, model, cancellationToken)
               && !ReadSectionSyntax.NeedsReadLock(statement, model, cancellationToken)
               && !UsesWhatTheSectionFound(statement, section, model);
    }

    protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || !await CanFixAsync(document, node, diagnostic, cancellationToken).ConfigureAwait(false)) return document;
        var (statement, section) = Shape(node)!.Value;
        return document.WithSyntaxRoot(ReadSectionSyntax.MoveAfter(root, [statement], section));
    }

    /// <summary>The statement holding the blocking node that ends a section's block, and that section.</summary>
    private static (StatementSyntax Statement, UsingStatementSyntax Section)? Shape(SyntaxNode node)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax:
                    return null;
                case StatementSyntax statement when ReadSectionSyntax.SectionEndedBy(statement) is { } section:
                    return statement is LocalDeclarationStatementSyntax or LabeledStatementSyntax ? null : (statement, section);
            }
        }
        return null;
    }

    /// <summary>Whether the statement reads a variable the section declares (the guard included) or writes before it.</summary>
    private static bool UsesWhatTheSectionFound(StatementSyntax statement, UsingStatementSyntax section, SemanticModel model)
    {
        var flow = model.AnalyzeDataFlow(statement);
        if (flow is null || !flow.Succeeded) return true;
        var found = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var body = ((BlockSyntax)section.Statement).Statements;
        if (body.Count > 1)
        {
            var before = model.AnalyzeDataFlow(body[0], body[body.Count - 2]);
            if (before is null || !before.Succeeded) return true;
            found.UnionWith(before.WrittenInside);
            found.UnionWith(before.VariablesDeclared);
        }
        foreach (var variable in section.Declaration?.Variables ?? default)
        {
            if (model.GetDeclaredSymbol(variable) is { } symbol) found.Add(symbol);
        }
        return flow.ReadInside.Any(found.Contains);
    }
}
