using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Accounting;

internal static class AccountingDescriptors
{
    public static readonly DiagnosticDescriptor MissingAccount = Descriptors.Create(
        DiagnosticIds.MissingAccount,
        "Allocation in tenant code is not charged to a memory cgroup",
        "'{0}' allocates without Gfp.Account, so the tenant's cgroup is not charged; add '| Gfp.Account' or mark the method [UnaccountedAllocation(\"reason\")]",
        "Reliability", DiagnosticSeverity.Warning,
        "Memory allocated on behalf of a tenant must be charged to its memory cgroup (__GFP_ACCOUNT), or a tenant can exceed its memory.max unseen.");

    public static readonly DiagnosticDescriptor SlabChargeBypass = Descriptors.Create(
        DiagnosticIds.SlabChargeBypass,
        "Memory for a [SlabCharge] type is obtained around its accounted cache",
        "Memory for [SlabCharge] type '{0}' comes from '{1}', which bypasses its accounted cache; use {0}.Alloc(...) and {0}.Free(...)",
        "Usage", DiagnosticSeverity.Warning,
        "A [SlabCharge] type has a generated accounted cache; memory obtained any other way is neither charged nor tracked by the cache.");

    public static readonly DiagnosticDescriptor UnaccountedAllocationWithoutReason = Descriptors.Create(
        DiagnosticIds.UnaccountedAllocationWithoutReason,
        "[UnaccountedAllocation] needs a reason",
        "[UnaccountedAllocation] on '{0}' has an empty reason; say why these allocations are not charged to a tenant",
        "Usage", DiagnosticSeverity.Warning,
        "A deliberate exception to memory accounting must say why, so reviewers can judge it.");

    public static readonly DiagnosticDescriptor InvalidAccountPolicy = Descriptors.Create(
        DiagnosticIds.InvalidAccountPolicy,
        "Invalid kmemgen.account_policy value",
        "kmemgen.account_policy is '{0}'; use 'all' or 'annotated' (treated as 'all' until fixed)",
        "Usage", DiagnosticSeverity.Warning,
        "The accounting policy option accepts 'all' (default) or 'annotated'.",
        WellKnownDiagnosticTags.CompilationEnd);
}
