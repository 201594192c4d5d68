using System.Collections.Immutable;
using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Rcu;

/// <summary>
/// KMEM0100: an [RcuProtected] read, or a call to a [RequiresRcuReadLock] member, outside a read section.
/// KMEM0105: a value read under RCU that escapes its section without a reference (see <see cref="RcuEscape"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RcuAccessAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        RcuDescriptors.AccessOutsideReadSection, RcuDescriptors.ValueEscapes);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.TryCreate(start.Compilation);
            if (known is null || (known.RcuProtectedAttribute is null && known.RequiresRcuReadLockAttribute is null)) return;
            start.RegisterOperationAction(c => AnalyzeMemberReference(c, known), OperationKind.FieldReference, OperationKind.PropertyReference);
            start.RegisterOperationAction(c => AnalyzeCall(c, known), OperationKind.Invocation, OperationKind.ObjectCreation);
        });
    }

    private static void AnalyzeMemberReference(OperationAnalysisContext context, KnownSymbols known)
    {
        var operation = context.Operation;
        if (RcuReads.ProtectedMemberRead(operation, known) is { } member)
        {
            var section = RcuSection.Find(operation, known, context.ContainingSymbol);
            if (!section.IsInside)
            {
                Report(context, operation, member, "[RcuProtected]");
                return;
            }
            RcuEscape.Analyze(context, operation, member, section, known);
            return;
        }

        if (operation is IPropertyReferenceOperation { Property: var property }
            && (property.HasAttribute(known.RequiresRcuReadLockAttribute) || property.GetMethod.HasAttribute(known.RequiresRcuReadLockAttribute))
            && !RcuSection.Find(operation, known, context.ContainingSymbol).IsInside)
        {
            Report(context, operation, property, "[RequiresRcuReadLock]");
        }
    }

    private static void AnalyzeCall(OperationAnalysisContext context, KnownSymbols known)
    {
        var method = context.Operation switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IObjectCreationOperation creation => creation.Constructor,
            _ => null,
        };
        if (method is null || !method.HasAttribute(known.RequiresRcuReadLockAttribute)) return;
        if (RcuSection.Find(context.Operation, known, context.ContainingSymbol).IsInside) return;
        Report(context, context.Operation, method, "[RequiresRcuReadLock]");
    }

    private static void Report(OperationAnalysisContext context, IOperation operation, ISymbol member, string annotation)
    {
        var name = member is IMethodSymbol { MethodKind: MethodKind.Constructor } ctor ? ctor.ContainingType.Name : RcuReads.Display(member);
        context.ReportDiagnostic(Diagnostic.Create(RcuDescriptors.AccessOutsideReadSection, operation.Syntax.GetLocation(), name, annotation));
    }
}
