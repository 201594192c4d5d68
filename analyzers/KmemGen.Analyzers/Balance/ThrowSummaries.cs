using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// Which calls may throw while something is held (KMEM0202). A call may throw unless we know otherwise:
/// <list type="bullet">
/// <item>by convention: Try* methods (they report failure by returning false), Dispose, System.Diagnostics.Debug;</item>
/// <item>a small list of .NET members that only read or write memory (Volatile, Interlocked, Unsafe, Math, Thread.Yield/SpinWait,
/// BitOperations), log (a logger reports its own failures), or wake a waiter (SetResult, SemaphoreSlim.Release, Set);</item>
/// <item>a non-virtual method of this compilation whose body cannot throw (summarised once per compilation, cached).</item>
/// </list>
/// A body cannot throw when it has no throw, no await, no checked arithmetic or checked/down-cast conversion, no
/// delegate or function-pointer call, no foreach except over an array, span or List, and every call, constructor and property accessor it uses
/// cannot throw by these same rules. Faults of the runtime itself (a null dereference, an index out of range,
/// division by zero) and argument validation of .NET's own constructors and properties are not counted: they are
/// programming errors, not failure paths a caller is expected to unwind, and counting them would make every
/// call "may throw" again. Recursion is bounded (depth and body size): past the bound a call may throw.
/// </summary>
internal sealed class ThrowSummaries
{
    private const int MaxDepth = 8;
    private const int MaxOperationsPerBody = 1500;

    private static readonly HashSet<string> s_memoryOnlyTypes = new(StringComparer.Ordinal)
    {
        "System.Threading.Volatile",
        "System.Threading.Interlocked",
        "System.Runtime.CompilerServices.Unsafe",
        "System.Math",
        "System.Numerics.BitOperations",
        // Logging is best-effort by design: a logger reports its own failures rather than throwing into its caller.
        "Microsoft.Extensions.Logging.LoggerExtensions",
    };

    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _cache = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();

    private readonly Func<IMethodSymbol, bool> _isAnnotated;
    private readonly Lazy<List<INamedTypeSymbol>> _sourceTypes;

    /// <param name="compilation">The compilation whose method bodies are summarized.</param>
    /// <param name="isAnnotated">[Acquires]/[Releases] methods are the resource operations themselves: not counted, as in the flow.</param>
    public ThrowSummaries(Compilation compilation, Func<IMethodSymbol, bool> isAnnotated)
    {
        _compilation = compilation;
        _isAnnotated = isAnnotated;
        _sourceTypes = new Lazy<List<INamedTypeSymbol>>(() => SourceTypes(compilation.Assembly.GlobalNamespace), System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether this call may throw (the conventions, the known list, then the callee's summary).</summary>
    public bool MayThrow(IInvocationOperation call) => MayThrow(call, new Query());

    private sealed class Query
    {
        public HashSet<IMethodSymbol> Visiting { get; } = new(SymbolEqualityComparer.Default);
        /// <summary>A result leaned on a method still being summarised (a cycle).</summary>
        public bool CycleAssumed { get; set; }
        /// <summary>A result was cut off by the depth bound: never cached.</summary>
        public bool DepthLimited { get; set; }
    }

    private bool MayThrow(IInvocationOperation call, Query query)
    {
        var method = call.TargetMethod;
        if (IsConventionallySafe(method) || IsMemoryOnly(method) || _isAnnotated(method)) return false;
        if (method.MethodKind == MethodKind.DelegateInvoke) return true;
        if (call.IsVirtual) return DispatchMayThrow(method, query);
        return MethodMayThrow(method, query);
    }

    /// <summary>
    /// A virtual or interface call may reach any implementation. For an interface or class declared in this
    /// compilation we read every implementation this compilation has (a closed world: the usual case of a
    /// generic struct constrained to an internal contract); otherwise it may throw.
    /// </summary>
    private bool DispatchMayThrow(IMethodSymbol method, Query query)
    {
        method = method.OriginalDefinition;
        if (!InCompilation(method)) return true;
        var declaring = method.ContainingType;
        bool any = false;
        foreach (var type in _sourceTypes.Value)
        {
            IMethodSymbol? implementation = null;
            if (declaring.TypeKind == TypeKind.Interface)
            {
                if (!type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, declaring))) continue;
                implementation = FindImplementation(type, method);
            }
            else if (SymbolEqualityComparer.Default.Equals(type, declaring.OriginalDefinition))
            {
                implementation = method.IsAbstract ? null : method;
            }
            else
            {
                implementation = type.GetMembers(method.Name).OfType<IMethodSymbol>()
                    .FirstOrDefault(m => OverridesOrIs(m, method));
            }
            if (implementation is null || IsUnsupportedStub(implementation)) continue;
            any = true;
            if (MethodMayThrow(implementation, query)) return true;
        }
        return !any;
    }

    /// <summary>
    /// `=> throw new NotSupportedException()`: an implementation that says the contract does not apply to it. The
    /// call sites that reach it are bugs, not failure paths, so it does not make every dispatch "may throw".
    /// </summary>
    private bool IsUnsupportedStub(IMethodSymbol method)
    {
        foreach (var reference in method.OriginalDefinition.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax();
            var body = _models.GetOrAdd(syntax.SyntaxTree, tree => GetModel(tree)).GetOperation(syntax);
            if (body is null) return false;
            bool stub = false;
            foreach (var op in body.DescendantsAndSelf())
            {
                if (op is IInvocationOperation) return false;
                if (op is IThrowOperation { Exception: { } thrown }
                    && (thrown is IConversionOperation c ? c.Operand : thrown).Type?.Name is "NotSupportedException" or "NotImplementedException")
                {
                    stub = true;
                }
            }
            return stub;
        }
        return false;
    }

    private static IMethodSymbol? FindImplementation(INamedTypeSymbol type, IMethodSymbol interfaceMethod)
    {
        foreach (var candidate in type.AllInterfaces)
        {
            if (!SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, interfaceMethod.ContainingType)) continue;
            var member = candidate.GetMembers(interfaceMethod.Name).OfType<IMethodSymbol>()
                .FirstOrDefault(m => SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, interfaceMethod));
            if (member is not null && type.FindImplementationForInterfaceMember(member) is IMethodSymbol found) return found;
        }
        return null;
    }

    private static bool OverridesOrIs(IMethodSymbol candidate, IMethodSymbol method)
    {
        for (var m = candidate.OverriddenMethod; m is not null; m = m.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, method)) return true;
        }
        return false;
    }

    private static List<INamedTypeSymbol> SourceTypes(INamespaceSymbol root)
    {
        var types = new List<INamedTypeSymbol>();
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            foreach (var member in pending.Pop().GetMembers())
            {
                if (member is INamespaceSymbol ns)
                {
                    pending.Push(ns);
                }
                else if (member is INamedTypeSymbol type)
                {
                    if (type.TypeKind is TypeKind.Class or TypeKind.Struct) types.Add(type);
                    pending.Push(type);
                }
            }
        }
        return types;
    }

    internal static bool IsConventionallySafe(IMethodSymbol method)
    {
        if (method.Name.StartsWith("Try", StringComparison.Ordinal) || method.Name == "Dispose") return true;
        var type = method.ContainingType;
        return type is { Name: "Debug", ContainingNamespace: { Name: "Diagnostics", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } };
    }

    private static bool IsMemoryOnly(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null) return false;
        var name = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted));
        if (s_memoryOnlyTypes.Contains(name)) return true;
        if (name == "System.Threading.Thread") return method.Name is "Yield" or "SpinWait" or "MemoryBarrier";
        // Waking a waiter: the only failure is signalling twice (or past the maximum), a bug, not a failure path.
        return method.Name switch
        {
            "SetResult" or "SetException" or "SetCanceled" => type.Name is "TaskCompletionSource" or "ManualResetValueTaskSourceCore",
            "Release" => type.Name == "SemaphoreSlim",
            "Set" => type.Name is "ManualResetEventSlim" or "ManualResetEvent" or "AutoResetEvent",
            _ => false,
        };
    }

    private bool InCompilation(ISymbol symbol) => SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _compilation.Assembly);

    private bool MethodMayThrow(IMethodSymbol method, Query query)
    {
        method = method.OriginalDefinition;
        method = method.PartialImplementationPart ?? method;
        if (_cache.TryGetValue(method, out var known)) return known;
        if (!InCompilation(method)) return true;
        // A compiler-made constructor only runs field initializers (read as part of the type, not here).
        if (method.IsImplicitlyDeclared) return false;
        if (method.IsAbstract || method.IsExtern || method.DeclaringSyntaxReferences.IsEmpty) return true;
        if (query.Visiting.Contains(method))
        {
            // A cycle adds no throw of its own: assume it cannot throw (a greatest fixed point).
            query.CycleAssumed = true;
            return false;
        }
        if (query.Visiting.Count >= MaxDepth)
        {
            query.DepthLimited = true;
            return true;
        }

        bool outerCycle = query.CycleAssumed, outerDepth = query.DepthLimited;
        query.CycleAssumed = false;
        query.DepthLimited = false;
        query.Visiting.Add(method);
        bool mayThrow;
        try
        {
            mayThrow = BodyMayThrow(method, query);
        }
        finally
        {
            query.Visiting.Remove(method);
        }
        // "May throw" rests on a throw source found; "cannot throw" under a cycle assumption is proven only once
        // the outermost summary completes. Nothing cut off by the depth bound is kept.
        if (!query.DepthLimited && (mayThrow || !query.CycleAssumed || query.Visiting.Count == 0)) _cache.TryAdd(method, mayThrow);
        query.CycleAssumed |= outerCycle;
        query.DepthLimited |= outerDepth;
        return mayThrow;
    }

    private bool BodyMayThrow(IMethodSymbol method, Query query)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax();
            var model = _models.GetOrAdd(syntax.SyntaxTree, tree => GetModel(tree));
            var body = model.GetOperation(syntax);
            if (body is null)
            {
                // An auto-property accessor (`get;`) has no operation: it only reads or writes its field.
                if (method.AssociatedSymbol is IPropertySymbol && IsAccessorWithoutBody(syntax)) continue;
                return true;
            }
            int budget = MaxOperationsPerBody;
            if (MayThrowWithin(body, query, ref budget)) return true;
        }
        return false;
    }

    /// <summary>Walks a body; a try with a catch-all handler keeps what its try block throws from escaping.</summary>
    private bool MayThrowWithin(IOperation op, Query query, ref int budget)
    {
        if (--budget < 0) return true;
        if (op is ITryOperation tryOperation && tryOperation.Catches.Any(IsCatchAll))
        {
            foreach (var handler in tryOperation.Catches) if (MayThrowWithin(handler, query, ref budget)) return true;
            return tryOperation.Finally is not null && MayThrowWithin(tryOperation.Finally, query, ref budget);
        }
        if (OperationMayThrow(op, query)) return true;
        foreach (var child in op.ChildOperations) if (MayThrowWithin(child, query, ref budget)) return true;
        return false;
    }

    /// <summary>`catch`, `catch (Exception)` or `catch (object)` without a filter.</summary>
    private static bool IsCatchAll(ICatchClauseOperation clause)
        => clause.Filter is null && (clause.ExceptionType.SpecialType == SpecialType.System_Object
            || clause.ExceptionType is { Name: "Exception", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } });

    private static bool IsAccessorWithoutBody(SyntaxNode syntax)
        => syntax is Microsoft.CodeAnalysis.CSharp.Syntax.AccessorDeclarationSyntax { Body: null, ExpressionBody: null };

#pragma warning disable RS1030 // Summaries read bodies of other methods of the same compilation, once each, cached per compilation.
    private SemanticModel GetModel(SyntaxTree tree) => _compilation.GetSemanticModel(tree);
#pragma warning restore RS1030

    private bool OperationMayThrow(IOperation op, Query query)
    {
        switch (op)
        {
            case IThrowOperation:
            case IAwaitOperation:
            case IFunctionPointerInvocationOperation:
            case IDynamicInvocationOperation:
            case IDynamicMemberReferenceOperation:
            case IDynamicObjectCreationOperation:
            case IDynamicIndexerAccessOperation:
                return true;
            case IForEachLoopOperation loop:
                return !EnumeratesWithoutThrowing(loop.Collection);
            case IInvocationOperation call:
                return MayThrow(call, query);
            case IObjectCreationOperation { Constructor: { } ctor } creation:
                // .NET's own constructors (a Span over a pointer, a SemaphoreSlim) only validate their arguments.
                return InCompilation(ctor) && MethodMayThrow(ctor, query);
            case IPropertyReferenceOperation property:
                return PropertyMayThrow(property, query);
            case IBinaryOperation binary:
                return binary.IsChecked;
            case ICompoundAssignmentOperation compound:
                return compound.IsChecked;
            case IIncrementOrDecrementOperation increment:
                return increment.IsChecked;
            case IConversionOperation conversion:
                return !conversion.IsTryCast && !conversion.Conversion.IsImplicit
                    && (conversion.IsChecked && conversion.Conversion.IsNumeric || conversion.Conversion.IsReference
                        || conversion.Operand.Type?.IsReferenceType == true && conversion.Type?.IsValueType == true);
            default:
                return false;
        }
    }

    /// <summary>Arrays, spans and List&lt;T&gt; enumerate without throwing (List's only failure is a concurrent change: a bug).</summary>
    private static bool EnumeratesWithoutThrowing(IOperation collection)
    {
        var type = (collection is IConversionOperation conversion ? conversion.Operand : collection).Type;
        if (type is IArrayTypeSymbol) return true;
        return type is INamedTypeSymbol { Name: "Span" or "ReadOnlySpan" or "List", Arity: 1 } named
               && named.ContainingNamespace.ToDisplayString() is "System" or "System.Collections.Generic";
    }

    /// <summary>A property of this compilation counts through its accessor; .NET's own properties do not throw by design.</summary>
    private bool PropertyMayThrow(IPropertyReferenceOperation property, Query query)
    {
        var symbol = property.Property;
        if (!InCompilation(symbol)) return false;
        if (property.Instance is not null && (symbol.IsVirtual || symbol.IsAbstract || symbol.IsOverride || symbol.ContainingType.TypeKind == TypeKind.Interface)) return true;
        bool written = property.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Target, property);
        var accessor = written ? symbol.SetMethod : symbol.GetMethod;
        return accessor is not null && MethodMayThrow(accessor, query);
    }
}
