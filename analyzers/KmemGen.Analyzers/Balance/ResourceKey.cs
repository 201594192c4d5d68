using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Balance;

/// <summary>
/// One resource instance: the resource name of [Acquires("name")] and what holds it: a local, a parameter,
/// a field or property of this (or static), this itself (the containing type stands for it), or, for a static
/// acquire with no argument, the annotated method's type (a global resource such as a lock).
/// </summary>
internal readonly struct ResourceKey : IEquatable<ResourceKey>
{
    public ResourceKey(string resource, ISymbol holder)
    {
        Resource = resource;
        Holder = holder;
    }

    public string Resource { get; }
    public ISymbol Holder { get; }

    public bool Equals(ResourceKey other)
        => string.Equals(Resource, other.Resource, StringComparison.Ordinal) && SymbolEqualityComparer.Default.Equals(Holder, other.Holder);

    public override bool Equals(object? obj) => obj is ResourceKey other && Equals(other);

    public override int GetHashCode()
        => unchecked(StringComparer.Ordinal.GetHashCode(Resource) * 31 + SymbolEqualityComparer.Default.GetHashCode(Holder));
}
