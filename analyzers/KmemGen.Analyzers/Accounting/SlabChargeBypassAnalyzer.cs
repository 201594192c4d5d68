using System.Collections.Immutable;
using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Accounting;

/// <summary>
/// KMEM0002: one object's worth of memory for a [SlabCharge] type T obtained around T's generated,
/// accounted cache: NativeMemory.Alloc/AllocZeroed/AlignedAlloc, Marshal.AllocHGlobal/AllocCoTaskMem,
/// Kmalloc.Alloc/TryAlloc or a second SlabCache.Create, with a size of sizeof(T) (or Unsafe.SizeOf&lt;T&gt;(),
/// Marshal.SizeOf&lt;T&gt;()). Such memory is neither charged nor tracked by T's cache.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SlabChargeBypassAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> s_nativeMemoryMethods = ImmutableHashSet.Create(StringComparer.Ordinal, "Alloc", "AllocZeroed", "AlignedAlloc");
    private static readonly ImmutableHashSet<string> s_marshalMethods = ImmutableHashSet.Create(StringComparer.Ordinal, "AllocHGlobal", "AllocCoTaskMem");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(AccountingDescriptors.SlabChargeBypass);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.TryCreate(start.Compilation);
            if (known?.SlabChargeAttribute is null) return;
            start.RegisterOperationAction(c => Analyze(c, known), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownSymbols known)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!IsRawAllocator(method, known)) return;

        foreach (var argument in invocation.Arguments)
        {
            if (!IsOneObjectSize(argument, invocation)) continue;
            if (SizeOfSlabChargeType(argument.Value, known) is { } type)
            {
                var name = method.ContainingType.Name + "." + method.Name;
                context.ReportDiagnostic(Diagnostic.Create(AccountingDescriptors.SlabChargeBypass, invocation.Syntax.GetLocation(), type.Name, name));
                return;
            }
        }
    }

    private static bool IsRawAllocator(IMethodSymbol method, KnownSymbols known)
    {
        var type = method.ContainingType;
        if (SymbolEqualityComparer.Default.Equals(type, known.NativeMemory)) return s_nativeMemoryMethods.Contains(method.Name);
        if (SymbolEqualityComparer.Default.Equals(type, known.Marshal)) return s_marshalMethods.Contains(method.Name);
        if (SymbolEqualityComparer.Default.Equals(type, known.Kmalloc)) return method.Name is "Alloc" or "TryAlloc";
        if (SymbolEqualityComparer.Default.Equals(type, known.SlabCache)) return method.Name == "Create";
        return false;
    }

    /// <summary>
    /// The argument that sizes one object: byteCount / cb / size / objectSize, or elementSize with an
    /// elementCount of 1 (NativeMemory.Alloc(n, sizeof(T)) is an array of T, which T.Alloc does not replace).
    /// </summary>
    private static bool IsOneObjectSize(IArgumentOperation argument, IInvocationOperation invocation)
    {
        switch (argument.Parameter?.Name)
        {
            case "byteCount" or "cb" or "size" or "objectSize":
                return true;
            case "elementSize":
                var count = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "elementCount");
                return count?.Value.ConstantValue is { HasValue: true, Value: { } value }
                       && Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture) == 1;
            default:
                return false;
        }
    }

    /// <summary>The [SlabCharge] type whose single-object size the expression is, or null.</summary>
    private static ITypeSymbol? SizeOfSlabChargeType(IOperation value, KnownSymbols known)
    {
        ITypeSymbol? type = value.WalkDownConversions() switch
        {
            ISizeOfOperation sizeOf => sizeOf.TypeOperand,
            IInvocationOperation { TargetMethod: { Name: "SizeOf", IsGenericMethod: true, Parameters.Length: 0 } sizeOfCall }
                when SymbolEqualityComparer.Default.Equals(sizeOfCall.ContainingType, known.Unsafe)
                     || SymbolEqualityComparer.Default.Equals(sizeOfCall.ContainingType, known.Marshal)
                => sizeOfCall.TypeArguments[0],
            _ => null,
        };
        return type is not null && type.HasAttribute(known.SlabChargeAttribute) ? type : null;
    }
}
