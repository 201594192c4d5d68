using System.Collections.Immutable;
using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Rcu;

/// <summary>
/// KMEM0101: an unconditional reference get (a void [Acquires(r)] method, e.g. MemCgroup.CssGet) on an
/// object reached through an [RcuProtected] read, when the type offers a conditional one (a bool
/// [Acquires(r)] method, e.g. CssTryGet). Under RCU the object may have dropped its last reference;
/// css_get there revives a dying cgroup (kernel commit 9f38f03ae8d5); css_tryget fails and the caller
/// retries with the re-read pointer. A local that already had a reference taken on it is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnconditionalGetAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RcuDescriptors.UnconditionalGetUnderRcu);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.TryCreate(start.Compilation);
            if (known?.Ownership is null || known.RcuProtectedAttribute is null) return;
            start.RegisterOperationAction(c => Analyze(c, known), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownSymbols known)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        // Cheap filter: an instance void method annotated [Acquires].
        if (method.IsStatic || !method.ReturnsVoid || invocation.Instance is null) return;
        var resources = known.AcquiredBy(method);
        if (resources.IsEmpty) return;
        var tryGet = ConditionalVariant(method, resources, known);
        if (tryGet is null) return;

        var receiver = invocation.Instance.WalkDownConversions();
        string? name = null;
        if (RcuReads.ProtectedMemberRead(receiver, known) is { } member)
        {
            name = RcuReads.Display(member);
        }
        else if (receiver is ILocalReferenceOperation local && HoldsUnreferencedProtectedValue(context, invocation, local.Local, resources, known))
        {
            name = local.Local.Name;
        }
        if (name is null) return;

        var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.TryGetMethodProperty, tryGet.Name);
        context.ReportDiagnostic(Diagnostic.Create(RcuDescriptors.UnconditionalGetUnderRcu, invocation.Syntax.GetLocation(), properties, name, tryGet.Name, method.Name));
    }

    /// <summary>
    /// A parameterless bool method of the same type (or a base type) acquiring every resource the get acquires; "TryX" for
    /// "X" preferred.
    /// </summary>
    private static IMethodSymbol? ConditionalVariant(IMethodSymbol method, ImmutableArray<string> resources, KnownSymbols known)
    {
        IMethodSymbol? best = null;
        for (var type = method.ContainingType; type is not null; type = type.BaseType)
        {
            foreach (var candidate in type.GetMembers().OfType<IMethodSymbol>())
            {
                if (candidate.IsStatic || candidate.Parameters.Length != 0 || candidate.ReturnType.SpecialType != SpecialType.System_Boolean) continue;
                var acquired = known.AcquiredBy(candidate);
                if (!resources.All(acquired.Contains)) continue;
                if (candidate.Name == method.Name.Replace("Get", "TryGet")) return candidate;
                if (best is null || string.CompareOrdinal(candidate.Name, best.Name) < 0) best = candidate;
            }
            if (best is not null) return best;
        }
        return best;
    }

    /// <summary>
    /// The local was assigned an [RcuProtected] value and, on some path reaching this call, holds no reference of the
    /// resource the get takes: the balance engine's answer (<see cref="HeldQuery"/>), so a reference taken on one branch
    /// and given back before the join does not count, and one taken by `if (!m.CssTryGet()) return;` does.
    /// Where the engine cannot tell (the local is captured by a lambda, the body is too large), not reported.
    /// </summary>
    private static bool HoldsUnreferencedProtectedValue(OperationAnalysisContext context, IInvocationOperation invocation, ILocalSymbol local,
        ImmutableArray<string> resources, KnownSymbols known)
    {
        var root = invocation.EnclosingFunction() ?? RootOf(invocation);
        bool assignedProtected = false;
        foreach (var node in root.Descendants())
        {
            switch (node)
            {
                case IVariableDeclaratorOperation { Initializer: { } initializer } declarator
                    when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    assignedProtected |= RcuReads.IsProtectedValue(initializer.Value, known);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment
                    when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    assignedProtected |= RcuReads.IsProtectedValue(assignment.Value, known);
                    break;
            }
        }
        if (!assignedProtected) return false;
        // No other acquire on the local anywhere in the function: no reference can be held.
        if (!HeldQuery.AnyAcquireOn(root, local, known.Ownership!, except: invocation)) return true;
        if (known.BalanceEngine is not { } engine) return false;
        var answers = HeldQuery.At(invocation, local, resources, new[] { invocation.Syntax }, engine, context.ContainingSymbol, context.CancellationToken);
        return answers.TryGetValue(invocation.Syntax, out var held) && held == Held.No;
    }

    private static IOperation RootOf(IOperation operation)
    {
        while (operation.Parent is not null) operation = operation.Parent;
        return operation;
    }
}
