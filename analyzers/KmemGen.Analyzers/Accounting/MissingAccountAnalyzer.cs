using System.Collections.Concurrent;
using System.Collections.Immutable;
using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Accounting;

/// <summary>
/// KMEM0001: an allocation through a KmemGen allocator (a method of the KmemGen assembly taking a Gfp:
/// Kmalloc, Pages, PerCpu, a SlabCache created without SlabFlags.Account) whose Gfp lacks Gfp.Account on
/// every path. KMEM0003: [UnaccountedAllocation] without a reason. KMEM0004: a bad policy value.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MissingAccountAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        AccountingDescriptors.MissingAccount,
        AccountingDescriptors.UnaccountedAllocationWithoutReason,
        AccountingDescriptors.InvalidAccountPolicy);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.TryCreate(start.Compilation);
            // The runtime itself is the allocator, not tenant code: it passes its callers' flags along.
            if (known is null || SymbolEqualityComparer.Default.Equals(start.Compilation.Assembly, known.Gfp.ContainingAssembly)) return;
            var analyzer = new CompilationAnalyzer(known, start.Options.AnalyzerConfigOptionsProvider);
            start.RegisterOperationAction(analyzer.AnalyzeInvocation, OperationKind.Invocation);
            if (known.UnaccountedAllocationAttribute is not null)
            {
                start.RegisterSymbolAction(analyzer.AnalyzeReason, SymbolKind.NamedType, SymbolKind.Method, SymbolKind.Property);
                start.RegisterOperationAction(analyzer.AnalyzeFunctionReason, OperationKind.LocalFunction, OperationKind.AnonymousFunction);
            }
            start.RegisterCompilationEndAction(analyzer.ReportInvalidPolicy);
        });
    }

    private sealed class CompilationAnalyzer(KnownSymbols known, AnalyzerConfigOptionsProvider options)
    {
        private readonly GfpEvaluator _evaluator = new(known);
        private readonly ConcurrentDictionary<string, bool> _invalidPolicies = new(StringComparer.Ordinal);

        public void AnalyzeInvocation(OperationAnalysisContext context)
        {
            var invocation = (IInvocationOperation)context.Operation;
            var method = invocation.TargetMethod;

            // Cheap filter first: a Gfp argument on a KmemGen allocator.
            var argument = GfpArgument(invocation);
            if (argument is null || !IsAllocator(invocation, method)) return;

            var policy = AccountPolicyOption.Read(options.GetOptions(invocation.Syntax.SyntaxTree), out var invalid);
            if (invalid is not null) _invalidPolicies.TryAdd(invalid, true);
            var member = context.ContainingSymbol;
            if (policy == AccountPolicy.Annotated && !IsTenantCode(invocation, member, context.Compilation.Assembly)) return;
            if (HasUncheckedException(invocation, member)) return;

            var state = _evaluator.NeedsFlow(argument.Value)
                ? GfpFlowAnalysis.Run(context, invocation, argument, _evaluator)
                : _evaluator.Evaluate(argument.Value);
            if (state != AccountState.Lacks) return;

            var name = method.ContainingType.Name + "." + method.Name;
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                var properties = ImmutableDictionary<string, string?>.Empty
                    .Add(DiagnosticIds.OmittedGfpParameterProperty, argument.Parameter!.Name)
                    .Add(DiagnosticIds.OmittedGfpPositionalProperty, CanAppendPositionally(invocation, argument.Parameter) ? "true" : "false");
                context.ReportDiagnostic(Diagnostic.Create(AccountingDescriptors.MissingAccount, invocation.Syntax.GetLocation(), properties, name));
            }
            else
            {
                context.ReportDiagnostic(Diagnostic.Create(AccountingDescriptors.MissingAccount, argument.Value.Syntax.GetLocation(), name));
            }
        }

        public void AnalyzeReason(SymbolAnalysisContext context)
        {
            if (EmptyReason(context.Symbol, context.CancellationToken) is { } diagnostic) context.ReportDiagnostic(diagnostic);
        }

        /// <summary>Local functions and lambdas are not symbol-action symbols; their attributes are checked here.</summary>
        public void AnalyzeFunctionReason(OperationAnalysisContext context)
        {
            var symbol = context.Operation switch
            {
                ILocalFunctionOperation local => local.Symbol,
                IAnonymousFunctionOperation lambda => lambda.Symbol,
                _ => null,
            };
            if (symbol is not null && EmptyReason(symbol, context.CancellationToken) is { } diagnostic) context.ReportDiagnostic(diagnostic);
        }

        private Diagnostic? EmptyReason(ISymbol symbol, CancellationToken cancellationToken)
        {
            var attribute = symbol.GetAttribute(known.UnaccountedAllocationAttribute);
            if (attribute is null || attribute.ConstructorArguments.Length != 1) return null;
            var argument = attribute.ConstructorArguments[0];
            if (argument.Kind == TypedConstantKind.Error) return null;
            if (argument.Value is string reason && reason.Trim().Length > 0) return null;
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? symbol.Locations.FirstOrDefault();
            return Diagnostic.Create(AccountingDescriptors.UnaccountedAllocationWithoutReason, location, symbol.Name);
        }

        public void ReportInvalidPolicy(CompilationAnalysisContext context)
        {
            if (AccountPolicyOption.Read(options.GlobalOptions, out var invalid) == AccountPolicy.All && invalid is not null)
                _invalidPolicies.TryAdd(invalid, true);
            foreach (var value in _invalidPolicies.Keys.OrderBy(v => v, StringComparer.Ordinal))
                context.ReportDiagnostic(Diagnostic.Create(AccountingDescriptors.InvalidAccountPolicy, Location.None, value));
        }

        private IArgumentOperation? GfpArgument(IInvocationOperation invocation)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter is { } parameter && known.IsGfp(parameter.Type)) return argument;
            }
            return null;
        }

        private bool IsAllocator(IInvocationOperation invocation, IMethodSymbol method)
        {
            // Allocators are the KmemGen assembly's own methods; a charge API ([Acquires], e.g. ObjCgroup.TryCharge)
            // is accounting itself, and a user's generated [SlabCharge] cache is accounted by construction.
            // Only the public API: internal hooks seen through InternalsVisibleTo (tests, benchmarks) take flags they are handed.
            if (!SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, known.Gfp.ContainingAssembly)) return false;
            if (method.DeclaredAccessibility != Accessibility.Public || method.ContainingType.DeclaredAccessibility != Accessibility.Public) return false;
            if (!known.AcquiredBy(method).IsEmpty) return false;
            if (SymbolEqualityComparer.Default.Equals(method.ContainingType, known.SlabCache))
                return !method.IsStatic && SlabCacheOrigin.IsAccounted(invocation.Instance, known) == false;
            return true;
        }

        private bool IsTenantCode(IOperation operation, ISymbol? member, IAssemblySymbol assembly)
        {
            if (AnyEnclosingFunctionHas(operation, known.TenantCodeAttribute)) return true;
            for (var symbol = member; symbol is not null and not INamespaceSymbol; symbol = symbol.ContainingSymbol)
            {
                if (symbol.HasAttributeOrOnAssociated(known.TenantCodeAttribute)) return true;
            }
            return assembly.HasAttribute(known.TenantCodeAttribute);
        }

        private bool HasUncheckedException(IOperation operation, ISymbol? member)
        {
            if (AnyEnclosingFunctionHas(operation, known.UnaccountedAllocationAttribute)) return true;
            for (var symbol = member; symbol is not null and not INamespaceSymbol; symbol = symbol.ContainingSymbol)
            {
                if (symbol.HasAttributeOrOnAssociated(known.UnaccountedAllocationAttribute)) return true;
            }
            return false;
        }

        /// <summary>Local functions and lambdas may carry the attributes too (the only way to mark code in a top-level program).</summary>
        private static bool AnyEnclosingFunctionHas(IOperation operation, INamedTypeSymbol? attribute)
        {
            if (attribute is null) return false;
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                var function = current switch
                {
                    ILocalFunctionOperation local => (ISymbol)local.Symbol,
                    IAnonymousFunctionOperation lambda => lambda.Symbol,
                    _ => null,
                };
                if (function.HasAttribute(attribute)) return true;
            }
            return false;
        }

        private static bool CanAppendPositionally(IInvocationOperation invocation, IParameterSymbol parameter)
        {
            int explicitCount = 0;
            foreach (var argument in invocation.Arguments)
            {
                if (argument.ArgumentKind == ArgumentKind.DefaultValue) continue;
                if (argument.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ArgumentSyntax { NameColon: not null }) return false;
                explicitCount++;
            }
            return explicitCount == parameter.Ordinal;
        }
    }
}
