namespace KmemGen;

/// <summary>
/// Like sparse's <c>__acquires(x)</c>: the member acquires resource <see cref="Resource"/>
/// (a charge, a css reference). A method returning <c>bool</c> acquires only when it returns true;
/// a method returning a reference type acquires only when the result is not null.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = true, AllowMultiple = true)]
public sealed class AcquiresAttribute(string resource) : Attribute
{
    public string Resource { get; } = resource;
}

/// <summary>Like sparse's <c>__releases(x)</c>: the member releases resource <see cref="Resource"/>.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = true, AllowMultiple = true)]
public sealed class ReleasesAttribute(string resource) : Attribute
{
    public string Resource { get; } = resource;
}

/// <summary>The callee takes over what the argument holds (a charge, a reference): the caller's obligation ends.</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = true)]
public sealed class TransfersOwnershipAttribute : Attribute { }
