namespace KmemGen;

/// <summary>
/// Marks code that runs on behalf of a tenant (a request, a session, a user's map): every allocation
/// it makes must be charged (<see cref="Gfp.Account"/> or an accounted cache). With
/// <c>kmemgen.account_policy = annotated</c> the KMEM0001 analyzer checks only code under this
/// attribute (on the method, a containing type, or the assembly); with the default policy
/// <c>all</c> it checks every allocation and this attribute documents intent.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Method
    | AttributeTargets.Constructor | AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class TenantCodeAttribute : Attribute { }

/// <summary>
/// A deliberate exception to KMEM0001: the allocations in this member (or type) are left uncharged on
/// purpose, for the reason given, as the kernel leaves some system-wide caches unaccounted. The reason
/// is required and must not be empty (KMEM0003 reports an empty one).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Method
    | AttributeTargets.Constructor | AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class UnaccountedAllocationAttribute(string reason) : Attribute
{
    /// <summary>Why the allocation is not charged to a tenant (e.g. "one shared table, sized at startup").</summary>
    public string Reason { get; } = reason;
}
