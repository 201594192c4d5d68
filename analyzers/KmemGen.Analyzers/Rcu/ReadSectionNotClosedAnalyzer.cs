using System.Collections.Immutable;
using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Rcu;

/// <summary>
/// KMEM0104: a call returning an RcuReadGuard (Rcu.ReadLock() or a wrapper) whose guard is not the
/// resource of a using statement or declaration. Only a using disposes it on every path (exceptions and
/// early returns included), as rcu_read_unlock() must run on every path out of the section. Returning the
/// guard from a wrapper hands the obligation to the wrapper's caller and is allowed.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReadSectionNotClosedAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RcuDescriptors.ReadSectionNotClosed);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.TryCreate(start.Compilation);
            if (known?.RcuReadGuard is null) return;
            start.RegisterOperationAction(c => Analyze(c, known), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownSymbols known)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!invocation.TargetMethod.ReturnType.IsType(known.RcuReadGuard)) return;
        if (IsClosedOnEveryPath(invocation)) return;
        context.ReportDiagnostic(Diagnostic.Create(RcuDescriptors.ReadSectionNotClosed, invocation.Syntax.GetLocation()));
    }

    private static bool IsClosedOnEveryPath(IInvocationOperation invocation)
    {
        var consumer = invocation.WalkUpConversions();
        switch (consumer.Parent)
        {
            case IUsingOperation @using when @using.Resources == consumer:
            case IReturnOperation:
                return true;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation group } } }:
                return group.Parent is IUsingOperation or IUsingDeclarationOperation;
            default:
                return false;
        }
    }
}
