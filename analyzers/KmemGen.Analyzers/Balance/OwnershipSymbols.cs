using System.Collections.Concurrent;
using System.Collections.Immutable;
using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// What the balance rules know per compilation: the ownership annotations (read by the one
/// <see cref="OwnershipResolver"/> every analyzer uses), the "may throw" summaries and the inferred conditional releases.
/// </summary>
internal sealed class OwnershipSymbols
{
    private readonly OwnershipResolver _resolver;
    private readonly ConcurrentDictionary<IMethodSymbol, ImmutableArray<string>> _releasesWhenTrue = new(SymbolEqualityComparer.Default);
    private readonly Compilation _compilation;

    private OwnershipSymbols(OwnershipResolver resolver, Compilation compilation)
    {
        _compilation = compilation;
        _resolver = resolver;
        Throws = new ThrowSummaries(compilation, method => Get(method).IsAnnotated);
    }

    /// <summary>Null when KmemGen is not referenced: then the analyzer registers nothing.</summary>
    public static OwnershipSymbols? TryCreate(Compilation compilation)
        => OwnershipResolver.TryCreate(compilation) is { } resolver ? new OwnershipSymbols(resolver, compilation) : null;

    /// <summary>Over a resolver another analyzer already made (the RCU rules asking the balance engine what is held).</summary>
    public static OwnershipSymbols Create(OwnershipResolver resolver, Compilation compilation) => new(resolver, compilation);

    /// <summary>The shared reading of the attributes.</summary>
    public OwnershipResolver Resolver => _resolver;

    /// <summary>Which calls may throw, summarised once per compilation.</summary>
    public ThrowSummaries Throws { get; }

    public MethodOwnership Get(IMethodSymbol method) => _resolver.Get(method);

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

    public bool TransfersOwnership(IParameterSymbol? parameter) => _resolver.TransfersOwnership(parameter);
}
