using System.Collections.Immutable;
using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Analyzers.Rcu;

/// <summary>
/// KMEM0102: Rcu.Synchronize() inside a read section (it waits for the section it is in: deadlock).
/// KMEM0103: anything that may sleep inside a read section, the might_sleep() rule: a [MightSleep] member,
/// Thread.Sleep/Join, Monitor.Enter/Wait, a lock statement, Task.Wait/WaitAll/WaitAny, Task&lt;T&gt;.Result,
/// GetAwaiter().GetResult(), SemaphoreSlim.Wait, WaitHandle.WaitOne, and await (await foreach, await using).
/// A [RequiresRcuReadLock] method is a read section for its whole body.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingInReadSectionAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        RcuDescriptors.SynchronizeInsideReadSection, RcuDescriptors.BlockingInsideReadSection);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.TryCreate(start.Compilation);
            if (known?.RcuReadGuard is null) return;
            start.RegisterOperationAction(c => AnalyzeInvocation(c, known), OperationKind.Invocation);
            start.RegisterOperationAction(c => AnalyzePropertyReference(c, known), OperationKind.PropertyReference);
            start.RegisterOperationAction(c => ReportIfInSection(c, known, "'lock'"), OperationKind.Lock);
            start.RegisterOperationAction(c => ReportIfInSection(c, known, "'await'"), OperationKind.Await);
            start.RegisterOperationAction(c => AnalyzeAsyncConstruct(c, known), OperationKind.Using, OperationKind.UsingDeclaration, OperationKind.Loop);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, KnownSymbols known)
    {
        var method = ((IInvocationOperation)context.Operation).TargetMethod;
        // synchronize_rcu and rcu_barrier both wait for grace periods, hence for this section.
        if (method.Name is "Synchronize" or "Barrier" && SymbolEqualityComparer.Default.Equals(method.ContainingType, known.Rcu))
        {
            if (RcuSection.Find(context.Operation, known, context.ContainingSymbol).IsInside)
                context.ReportDiagnostic(Diagnostic.Create(RcuDescriptors.SynchronizeInsideReadSection, context.Operation.Syntax.GetLocation(), "Rcu." + method.Name));
            return;
        }
        if (!MayBlock(method, known)) return;
        ReportIfInSection(context, known, $"'{method.ContainingType.Name}.{method.Name}'");
    }

    private static void AnalyzePropertyReference(OperationAnalysisContext context, KnownSymbols known)
    {
        var property = ((IPropertyReferenceOperation)context.Operation).Property;
        bool blocks = property.HasAttribute(known.MightSleepAttribute) || property.GetMethod.HasAttribute(known.MightSleepAttribute)
                      || (property.Name == "Result" && (property.ContainingType.IsType(known.TaskOfT) || property.ContainingType.IsType(known.ValueTaskOfT)));
        if (blocks) ReportIfInSection(context, known, $"'{property.ContainingType.Name}.{property.Name}'");
    }

    private static void AnalyzeAsyncConstruct(OperationAnalysisContext context, KnownSymbols known)
    {
        bool isAsync = context.Operation switch
        {
            IUsingOperation @using => @using.IsAsynchronous,
            IUsingDeclarationOperation declaration => declaration.IsAsynchronous,
            IForEachLoopOperation loop => loop.IsAsynchronous,
            _ => false,
        };
        if (isAsync) ReportIfInSection(context, known, "'await'");
    }

    private static bool MayBlock(IMethodSymbol method, KnownSymbols known)
    {
        if (method.HasAttributeOrOnAssociated(known.MightSleepAttribute)) return true;
        var type = method.ContainingType?.OriginalDefinition;
        if (type is null) return false;
        return method.Name switch
        {
            "Sleep" or "Join" => type.IsType(known.Thread),
            "Enter" or "Wait" => type.IsType(known.Monitor) || type.IsType(known.SemaphoreSlim) || (method.Name == "Wait" && IsTask(type, known)),
            "WaitAll" or "WaitAny" => IsTask(type, known) || type.IsType(known.WaitHandle),
            "WaitOne" => type.IsType(known.WaitHandle),
            "GetResult" => type.IsType(known.TaskAwaiter) || type.IsType(known.TaskAwaiterOfT),
            _ => false,
        };
    }

    private static bool IsTask(ITypeSymbol type, KnownSymbols known) => type.IsType(known.Task) || type.IsType(known.TaskOfT);

    private static void ReportIfInSection(OperationAnalysisContext context, KnownSymbols known, string what)
    {
        if (!RcuSection.Find(context.Operation, known, context.ContainingSymbol).IsInside) return;
        var syntax = context.Operation.Syntax;
        // A lock, await using or await foreach statement is reported on its head, not its whole body.
        int? headEnd = syntax switch
        {
            LockStatementSyntax lockStatement => lockStatement.CloseParenToken.Span.End,
            UsingStatementSyntax usingStatement => usingStatement.CloseParenToken.Span.End,
            CommonForEachStatementSyntax forEach => forEach.CloseParenToken.Span.End,
            _ => null,
        };
        var location = headEnd is { } end && end > syntax.SpanStart
            ? Location.Create(syntax.SyntaxTree, TextSpan.FromBounds(syntax.SpanStart, end))
            : syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(RcuDescriptors.BlockingInsideReadSection, location, what));
    }
}
