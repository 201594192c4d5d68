using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Common;

/// <summary>How an [Acquires] method reports success (DESIGN: "a Try-method acquires only when it returns true").</summary>
internal enum AcquireKind
{
    /// <summary>void (or any other return type): acquires whenever it returns.</summary>
    Unconditional,
    /// <summary>bool return: acquires only when it returns true.</summary>
    Try,
    /// <summary>
    /// Returns a value that holds it: a reference, pointer or Nullable (acquired only when not null), or a
    /// guard struct released by its Dispose (`using var g = Lock.Enter();`).
    /// </summary>
    NonNull,
}

/// <summary>What the ownership annotations say about one method.</summary>
internal sealed class MethodOwnership
{
    public static readonly MethodOwnership None = new(ImmutableArray<string>.Empty, ImmutableArray<string>.Empty, AcquireKind.Unconditional, null);

    public MethodOwnership(ImmutableArray<string> acquires, ImmutableArray<string> releases, AcquireKind kind, IParameterSymbol? amount)
    {
        Acquires = acquires;
        Releases = releases;
        Kind = kind;
        AmountParameter = amount;
    }

    public ImmutableArray<string> Acquires { get; }
    public ImmutableArray<string> Releases { get; }
    public AcquireKind Kind { get; }
    /// <summary>The first int/long parameter: the "amount" compared between TryCharge(n) and Uncharge(n) (KMEM0205).</summary>
    public IParameterSymbol? AmountParameter { get; }
    public bool IsAnnotated => !Acquires.IsEmpty || !Releases.IsEmpty;
}

/// <summary>
/// The one reading of the ownership attributes ([Acquires], [Releases], [TransfersOwnership]) every analyzer uses:
/// the accounting rule (charge APIs are not allocators), the RCU rules (what takes a reference) and the balance rules.
/// Every [Acquires]/[Releases] on a method counts (AllowMultiple), and so do those of the members it overrides
/// (the attributes are Inherited; Roslyn's GetAttributes does not walk overrides, so we do). A property accessor has
/// its own attributes and its property's: [Acquires] on a property is its getter's, [Releases] its setter's (or the
/// only accessor's). Cached per method;
/// keyed on the attributes, not on our method names, so users' own annotated APIs get the same checks.
/// </summary>
internal sealed class OwnershipResolver
{
    private readonly INamedTypeSymbol _acquires;
    private readonly INamedTypeSymbol _releases;
    private readonly INamedTypeSymbol? _transfers;
    private readonly ConcurrentDictionary<IMethodSymbol, MethodOwnership> _cache = new(SymbolEqualityComparer.Default);

    private OwnershipResolver(INamedTypeSymbol acquires, INamedTypeSymbol releases, INamedTypeSymbol? transfers)
    {
        _acquires = acquires;
        _releases = releases;
        _transfers = transfers;
    }

    /// <summary>Null when KmemGen (and so its attributes) is not referenced.</summary>
    public static OwnershipResolver? TryCreate(Compilation compilation)
    {
        var acquires = compilation.GetTypeByMetadataName("KmemGen.AcquiresAttribute");
        var releases = compilation.GetTypeByMetadataName("KmemGen.ReleasesAttribute");
        if (acquires is null || releases is null) return null;
        return new OwnershipResolver(acquires, releases, compilation.GetTypeByMetadataName("KmemGen.TransfersOwnershipAttribute"));
    }

    public MethodOwnership Get(IMethodSymbol method) => _cache.GetOrAdd(method, Compute);

    public bool TransfersOwnership(IParameterSymbol? parameter)
    {
        if (parameter is null || _transfers is null) return false;
        foreach (var attribute in parameter.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _transfers)) return true;
        }
        return false;
    }

    private MethodOwnership Compute(IMethodSymbol method)
    {
        var acquires = ImmutableArray.CreateBuilder<string>();
        var releases = ImmutableArray.CreateBuilder<string>();
        for (IMethodSymbol? m = method.ReducedFrom ?? method.OriginalDefinition; m is not null; m = m.OverriddenMethod)
        {
            Read(m.GetAttributes(), acquires, releases);
            if (m.AssociatedSymbol is IPropertySymbol property && m.MethodKind is MethodKind.PropertyGet or MethodKind.PropertySet)
            {
                // On the property: [Acquires] is its getter's (a read acquires), [Releases] its setter's (a write
                // releases); on a property with only the one accessor, both are that accessor's.
                bool getter = m.MethodKind == MethodKind.PropertyGet;
                Read(property.GetAttributes(), getter || property.GetMethod is null ? acquires : null, !getter || property.SetMethod is null ? releases : null);
            }
        }
        if (acquires.Count == 0 && releases.Count == 0) return MethodOwnership.None;
        // An accessor's amount is not an argument the flow can read: no KMEM0205 for properties.
        var amount = method.MethodKind is MethodKind.PropertyGet or MethodKind.PropertySet ? null : AmountOf(method);
        return new MethodOwnership(acquires.ToImmutable(), releases.ToImmutable(), KindOf(method), amount);
    }

    private void Read(ImmutableArray<AttributeData> attributes, ImmutableArray<string>.Builder? acquires, ImmutableArray<string>.Builder? releases)
    {
        foreach (var attribute in attributes)
        {
            var cls = attribute.AttributeClass;
            var list = SymbolEqualityComparer.Default.Equals(cls, _acquires) ? acquires
                : SymbolEqualityComparer.Default.Equals(cls, _releases) ? releases : null;
            if (list is null || attribute.ConstructorArguments.Length != 1) continue;
            if (attribute.ConstructorArguments[0].Value is string name && name.Length > 0 && !list.Contains(name)) list.Add(name);
        }
    }

    private static AcquireKind KindOf(IMethodSymbol method)
    {
        var type = method.ReturnType;
        if (type.SpecialType == SpecialType.System_Boolean) return AcquireKind.Try;
        return method.ReturnsVoid ? AcquireKind.Unconditional : AcquireKind.NonNull;
    }

    private static IParameterSymbol? AmountOf(IMethodSymbol method)
    {
        foreach (var p in method.Parameters)
        {
            if (p.IsThis) continue;
            if (p.Type.SpecialType is SpecialType.System_Int64 or SpecialType.System_Int32) return p;
        }
        return null;
    }
}
