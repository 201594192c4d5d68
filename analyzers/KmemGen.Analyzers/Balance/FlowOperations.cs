using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KmemGen.Analyzers.Balance;

/// <summary>Small IOperation helpers for CFG operations: see through conversions and flow captures.</summary>
internal static class FlowOperations
{
    // A CFG rewrites `a?.B()`, `x ?? y` and out-of-order named arguments through flow captures;
    // following them (bounded) finds the local or field the value really came from.
    private const int MaxUnwrap = 16;

    public static IOperation? Unwrap(IOperation? op, IReadOnlyDictionary<CaptureId, IOperation?> captures)
    {
        for (int i = 0; op is not null && i < MaxUnwrap; i++)
        {
            switch (op)
            {
                case IConversionOperation c:
                    op = c.Operand;
                    break;
                case IFlowCaptureReferenceOperation r:
                    if (!captures.TryGetValue(r.Id, out var captured) || captured is null) return op;
                    op = captured;
                    break;
                default:
                    return op;
            }
        }
        return op;
    }

    /// <summary>Strips logical nots (and conversions) from a branch condition; <paramref name="negated"/> says whether an odd number was stripped.</summary>
    public static IOperation? UnwrapNot(IOperation? op, out bool negated)
    {
        negated = false;
        for (int i = 0; op is not null && i < MaxUnwrap; i++)
        {
            if (op is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
            {
                negated = !negated;
                op = not.Operand;
            }
            else if (op is IConversionOperation c)
            {
                op = c.Operand;
            }
            else
            {
                return op;
            }
        }
        return op;
    }

    /// <summary>The variable an operation names: a local, parameter, or a field/property of this or static; this itself as its type.</summary>
    public static ISymbol? HolderOf(IOperation? op, IReadOnlyDictionary<CaptureId, IOperation?> captures)
    {
        op = Unwrap(op, captures);
        switch (op)
        {
            case ILocalReferenceOperation l: return l.Local;
            case IParameterReferenceOperation p: return p.Parameter;
            case IFieldReferenceOperation f when IsThisOrStatic(f.Instance, captures): return f.Field;
            case IPropertyReferenceOperation pr when pr.Arguments.IsEmpty && IsThisOrStatic(pr.Instance, captures): return pr.Property;
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } t: return t.Type;
            default: return null;
        }
    }

    /// <summary>The variable a value is read from through members, slices and spans: `m.Span[4..]` is rooted at m.</summary>
    public static ISymbol? RootOf(IOperation? op, IReadOnlyDictionary<CaptureId, IOperation?> captures)
    {
        for (int i = 0; op is not null && i < MaxUnwrap; i++)
        {
            op = Unwrap(op, captures);
            switch (op)
            {
                case ILocalReferenceOperation or IParameterReferenceOperation:
                    return HolderOf(op, captures);
                case IFieldReferenceOperation { Instance: { } instance }:
                    op = instance;
                    break;
                case IPropertyReferenceOperation { Instance: { } instance }:
                    op = instance;
                    break;
                case IImplicitIndexerReferenceOperation indexer:
                    op = indexer.Instance;
                    break;
                case IInvocationOperation call:
                    op = call.Instance ?? (call.Arguments.Length > 0 ? call.Arguments[0].Value : null);
                    break;
                default:
                    return HolderOf(op, captures);
            }
        }
        return null;
    }

    /// <summary>The variable an assignment writes: a local, parameter, field or property (any receiver).</summary>
    public static ISymbol? WrittenSymbol(IOperation? target) => target switch
    {
        ILocalReferenceOperation l => l.Local,
        IParameterReferenceOperation p => p.Parameter,
        IFieldReferenceOperation f => f.Field,
        IPropertyReferenceOperation pr when pr.Arguments.IsEmpty => pr.Property,
        _ => null,
    };

    private static bool IsThisOrStatic(IOperation? instance, IReadOnlyDictionary<CaptureId, IOperation?> captures)
        => instance is null || Unwrap(instance, captures) is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

    /// <summary>The argument bound to <paramref name="parameter"/> (arguments are not always in parameter order).</summary>
    public static IArgumentOperation? ArgumentFor(IInvocationOperation invocation, IParameterSymbol? parameter)
    {
        if (parameter is null) return null;
        foreach (var arg in invocation.Arguments)
        {
            if (arg.Parameter is not null && arg.Parameter.Ordinal == parameter.Ordinal) return arg;
        }
        return null;
    }

    /// <summary>
    /// What holds the resource an acquire or release call works on: its receiver; for a static method, its
    /// first argument when that is a reference (kernel style css_get(css)); otherwise the method's type
    /// (a global resource). For a property: its receiver, or for a static one its type.
    /// </summary>
    public static ISymbol? CallHolder(IOperation call, IReadOnlyDictionary<CaptureId, IOperation?> captures)
    {
        if (call is IPropertyReferenceOperation property)
            return property.Instance is not null ? HolderOf(property.Instance, captures) : property.Property.ContainingType;
        if (call is not IInvocationOperation invocation) return null;
        if (invocation.Instance is not null) return HolderOf(invocation.Instance, captures);
        var method = invocation.TargetMethod;
        if (method.Parameters.Length > 0 && method.Parameters[0].Type.IsReferenceType)
            return HolderOf(ArgumentFor(invocation, method.Parameters[0])?.Value, captures);
        return method.ContainingType;
    }

    /// <summary>
    /// The method an operation runs for the ownership annotations: an invocation's target, or the accessor a property
    /// reference runs (the setter when it is the target of a simple assignment, else the getter); null for anything else.
    /// </summary>
    public static IMethodSymbol? MethodOf(IOperation op) => op switch
    {
        IInvocationOperation invocation => invocation.TargetMethod,
        IPropertyReferenceOperation property => IsAssignmentTarget(property) ? property.Property.SetMethod : property.Property.GetMethod,
        _ => null,
    };

    /// <summary>A call or a property reference: the operations whose annotations the flow applies.</summary>
    public static bool IsCall(IOperation op) => op is IInvocationOperation or IPropertyReferenceOperation;

    /// <summary>`x.P = v`: the setter runs (after the value), not the getter.</summary>
    public static bool IsAssignmentTarget(IOperation op)
        => op.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Target, op);

    /// <summary>The method or property name messages use.</summary>
    public static string NameOf(IOperation op) => op switch
    {
        IInvocationOperation invocation => invocation.TargetMethod.Name,
        IPropertyReferenceOperation property => property.Property.Name,
        _ => "",
    };

    /// <summary>The arguments of a call (an indexer's for a property reference).</summary>
    public static System.Collections.Immutable.ImmutableArray<IArgumentOperation> ArgumentsOf(IOperation op) => op switch
    {
        IInvocationOperation invocation => invocation.Arguments,
        IPropertyReferenceOperation property => property.Arguments,
        _ => System.Collections.Immutable.ImmutableArray<IArgumentOperation>.Empty,
    };

    /// <summary>The parent, skipping conversions (a CFG wraps values in implicit conversions).</summary>
    public static IOperation? ParentSkippingConversions(IOperation op)
    {
        var parent = op.Parent;
        while (parent is IConversionOperation) parent = parent.Parent;
        return parent;
    }

    /// <summary>Amount of an acquire/release call: a constant (as long) or a local/parameter symbol.</summary>
    public static (long? Constant, ISymbol? Local, string Text) AmountOf(IOperation call, IParameterSymbol? amountParameter, IReadOnlyDictionary<CaptureId, IOperation?> captures)
    {
        var arg = call is IInvocationOperation invocation ? ArgumentFor(invocation, amountParameter) : null;
        if (arg is null) return (null, null, "");
        var text = arg.Value.Syntax.ToString();
        var value = Unwrap(arg.Value, captures);
        if (value is null) return (null, null, text);
        if (value.ConstantValue.HasValue && value.ConstantValue.Value is int or long)
            return (Convert.ToInt64(value.ConstantValue.Value, System.Globalization.CultureInfo.InvariantCulture), null, text);
        if (arg.Value.ConstantValue.HasValue && arg.Value.ConstantValue.Value is int or long)
            return (Convert.ToInt64(arg.Value.ConstantValue.Value, System.Globalization.CultureInfo.InvariantCulture), null, text);
        return value switch
        {
            ILocalReferenceOperation l => (null, l.Local, text),
            IParameterReferenceOperation p => (null, p.Parameter, text),
            _ => (null, null, text),
        };
    }
}
