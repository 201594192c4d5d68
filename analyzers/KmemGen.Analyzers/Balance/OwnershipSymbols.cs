using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Balance;

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
/// The KmemGen ownership attributes, resolved once per compilation, and a per-method cache of what they say.
/// Keyed on the attributes, not on our method names, so users' own annotated APIs get the same checks.
/// </summary>
internal sealed class OwnershipSymbols
{
    private readonly INamedTypeSymbol _acquires;
    private readonly INamedTypeSymbol _releases;
    private readonly INamedTypeSymbol? _transfers;
    private readonly ConcurrentDictionary<IMethodSymbol, MethodOwnership> _cache = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, ImmutableArray<string>> _releasesWhenTrue = new(SymbolEqualityComparer.Default);
    private readonly Compilation _compilation;

    private OwnershipSymbols(INamedTypeSymbol acquires, INamedTypeSymbol releases, INamedTypeSymbol? transfers, Compilation compilation)
    {
        _compilation = compilation;
        Throws = new ThrowSummaries(compilation, method => Get(method).IsAnnotated);
        _acquires = acquires;
        _releases = releases;
        _transfers = transfers;
    }

    /// <summary>Null when KmemGen is not referenced: then the analyzer registers nothing.</summary>
    public static OwnershipSymbols? TryCreate(Compilation compilation)
    {
        var acquires = compilation.GetTypeByMetadataName("KmemGen.AcquiresAttribute");
        var releases = compilation.GetTypeByMetadataName("KmemGen.ReleasesAttribute");
        if (acquires is null || releases is null) return null;
        return new OwnershipSymbols(acquires, releases, compilation.GetTypeByMetadataName("KmemGen.TransfersOwnershipAttribute"), compilation);
    }

    /// <summary>Which calls may throw, summarised once per compilation.</summary>
    public ThrowSummaries Throws { get; }

    public MethodOwnership Get(IMethodSymbol method) => _cache.GetOrAdd(method, Compute);

    /// <summary>
    /// Inferred, for an unannotated bool method of this compilation: the resources it releases on its own receiver
    /// exactly when it returns true (`bool TrySuspend() { if (Protected()) { Suspend(); return true; } return false; }`).
    /// </summary>
    public ImmutableArray<string> ReleasesWhenTrue(IMethodSymbol method)
    {
        method = method.ReducedFrom ?? method.OriginalDefinition;
        if (method.ReturnType.SpecialType != SpecialType.System_Boolean || method.IsStatic || Get(method).IsAnnotated
            || !SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _compilation.Assembly))
        {
            return ImmutableArray<string>.Empty;
        }
        return _releasesWhenTrue.GetOrAdd(method, m => ConditionalSummaries.ReleasesWhenTrue(m, _compilation, this));
    }

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
        // [Acquires]/[Releases] are Inherited = true; Roslyn's GetAttributes does not walk overrides, so we do.
        for (IMethodSymbol? m = method.ReducedFrom ?? method.OriginalDefinition; m is not null; m = m.OverriddenMethod)
        {
            foreach (var attribute in m.GetAttributes())
            {
                var cls = attribute.AttributeClass;
                var list = SymbolEqualityComparer.Default.Equals(cls, _acquires) ? acquires
                    : SymbolEqualityComparer.Default.Equals(cls, _releases) ? releases : null;
                if (list is null || attribute.ConstructorArguments.Length != 1) continue;
                if (attribute.ConstructorArguments[0].Value is string name && name.Length > 0 && !list.Contains(name)) list.Add(name);
            }
        }
        if (acquires.Count == 0 && releases.Count == 0) return MethodOwnership.None;
        return new MethodOwnership(acquires.ToImmutable(), releases.ToImmutable(), KindOf(method), AmountOf(method));
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
