using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Rcu;

/// <summary>
/// KMEM0105: a value read under RCU outlives its section without a reference. Escapes: returned from a
/// method that is not [RequiresRcuReadLock], stored to a field or property (other than an [RcuProtected]
/// one: that is a publish), captured by a lambda handed to something that runs later, or read after the
/// guard's scope ends. A local that had a reference taken on it ([Acquires] call, e.g. CssTryGet) is owned,
/// not borrowed, and may go anywhere.
/// </summary>
internal static class RcuEscape
{
    public static void Analyze(OperationAnalysisContext context, IOperation read, ISymbol member, RcuSectionInfo section, KnownSymbols known)
    {
        var consumer = read.WalkUpConversions();
        switch (consumer.Parent)
        {
            case IReturnOperation when !section.ByContract:
                Report(context, read, RcuReads.Display(member), "is returned");
                return;
            case ISimpleAssignmentOperation assignment when assignment.Value == consumer:
                if (StoredToMember(assignment.Target, known) is { } field)
                    Report(context, read, RcuReads.Display(member), $"is stored to '{field.Name}'");
                else if (assignment.Target is ILocalReferenceOperation local)
                    AnalyzeLocal(context, read, local.Local, section, known);
                return;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                AnalyzeLocal(context, read, declarator.Symbol, section, known);
                return;
        }
    }

    private static void AnalyzeLocal(OperationAnalysisContext context, IOperation read, ILocalSymbol local, RcuSectionInfo section, KnownSymbols known)
    {
        var function = read.EnclosingFunction();
        var root = function ?? Root(read);
        var references = new List<ILocalReferenceOperation>();
        IOperation? firstProtectedStore = null;
        foreach (var node in root.Descendants())
        {
            if (node is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local)) references.Add(reference);
            if (firstProtectedStore is null && StoresProtectedValueTo(node, local, known)) firstProtectedStore = node;
        }
        // Several protected reads stored into one local: judge the local once, from the first.
        if (firstProtectedStore is null || !read.Syntax.Span.IntersectsWith(firstProtectedStore.Syntax.Span)) return;

        // A reference taken on the local makes it owned, not borrowed, where one is held on every path reaching the use:
        // the balance engine's answer (path-sensitive). Where it cannot tell, owned, as before it was asked.
        Dictionary<SyntaxNode, Held>? held = null;
        if (known.Ownership is { } resolver && HeldQuery.AnyAcquireOn(root, local, resolver))
        {
            held = known.BalanceEngine is { } engine
                ? HeldQuery.At(read, local, Array.Empty<string>(), references.Select(r => r.Syntax).ToList(), engine, context.ContainingSymbol, context.CancellationToken)
                : new Dictionary<SyntaxNode, Held>();
        }

        var declaredInScope = section.Scope is { } scope && local.DeclaringSyntaxReferences.Any(r => scope.Contains(r.Span));
        // A write after the section gives the local a new value: later reads are not of the RCU one.
        var rewrittenAt = new List<int>();
        if (section.Scope is { } end)
        {
            foreach (var reference in references)
            {
                var consumer = reference.WalkUpConversions();
                if (consumer.Parent is ISimpleAssignmentOperation write && write.Target == consumer && reference.Syntax.SpanStart >= end.End)
                    rewrittenAt.Add(reference.Syntax.SpanStart);
            }
        }
        foreach (var reference in references)
        {
            if (reference.Syntax.SpanStart < read.Syntax.SpanStart) continue;
            var consumer = reference.WalkUpConversions();
            var parent = consumer.Parent;
            if (parent is ISimpleAssignmentOperation target && target.Target == consumer) continue;
            var referenceFunction = reference.EnclosingFunction();
            string? escape = null;
            if (referenceFunction != function)
            {
                if (OutlivesSection(referenceFunction, section, known)) escape = "is captured by a lambda that outlives the section";
            }
            else if (parent is IReturnOperation && !section.ByContract)
            {
                escape = "is returned";
            }
            else if (parent is ISimpleAssignmentOperation store && store.Value == consumer && StoredToMember(store.Target, known) is { } field)
            {
                escape = $"is stored to '{field.Name}'";
            }
            else if (section.Scope is { } sectionScope && !declaredInScope && reference.Syntax.SpanStart >= sectionScope.End
                     && !rewrittenAt.Any(w => w < reference.Syntax.SpanStart))
            {
                escape = "is used after its read section ends";
            }
            if (escape is not null && (held is null || held.TryGetValue(reference.Syntax, out var h) && h == Held.No)) Report(context, reference, local.Name, escape);
        }
    }

    private static bool StoresProtectedValueTo(IOperation node, ILocalSymbol local, KnownSymbols known)
        => node switch
        {
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment
                => SymbolEqualityComparer.Default.Equals(target.Local, local) && RcuReads.IsProtectedValue(assignment.Value, known),
            IVariableDeclaratorOperation { Initializer: { } initializer } declarator
                => SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) && RcuReads.IsProtectedValue(initializer.Value, known),
            _ => false,
        };

    /// <summary>A field or property that is not itself [RcuProtected] (storing into one is a publish, not an escape).</summary>
    private static ISymbol? StoredToMember(IOperation target, KnownSymbols known)
    {
        var member = target switch
        {
            IFieldReferenceOperation field => (ISymbol)field.Field,
            IPropertyReferenceOperation property => property.Property,
            _ => null,
        };
        return member is not null && !member.HasAttribute(known.RcuProtectedAttribute) ? member : null;
    }

    /// <summary>A lambda that is stored, returned, or handed to a deferred runner (Rcu.Call, System.Threading*) runs after the section.</summary>
    private static bool OutlivesSection(IOperation? function, RcuSectionInfo section, KnownSymbols known)
    {
        if (function is not IAnonymousFunctionOperation lambda) return false;
        IOperation consumer = lambda;
        while (consumer.Parent is IDelegateCreationOperation or IConversionOperation or IParenthesizedOperation) consumer = consumer.Parent;
        switch (consumer.Parent)
        {
            case IReturnOperation:
                return true;
            case ISimpleAssignmentOperation assignment when assignment.Value == consumer:
                return assignment.Target is not ILocalReferenceOperation local || DeclaredOutside(local.Local, section);
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return DeclaredOutside(declarator.Symbol, section);
            case IArgumentOperation { Parent: IInvocationOperation call }:
                var method = call.TargetMethod;
                return SymbolEqualityComparer.Default.Equals(method.ContainingType, known.Rcu)
                       || method.ContainingNamespace?.ToDisplayString().StartsWith("System.Threading", StringComparison.Ordinal) == true;
            default:
                return false;
        }
    }

    private static bool DeclaredOutside(ILocalSymbol local, RcuSectionInfo section)
        => section.Scope is { } scope && !local.DeclaringSyntaxReferences.Any(r => scope.Contains(r.Span));

    private static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null) operation = operation.Parent;
        return operation;
    }

    private static void Report(OperationAnalysisContext context, IOperation at, string name, string escape)
        => context.ReportDiagnostic(Diagnostic.Create(RcuDescriptors.ValueEscapes, at.Syntax.GetLocation(), name, escape));
}
