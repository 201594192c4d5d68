using KmemGen.Analyzers.Common;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Balance;

/// <summary>The balance rules (KMEM0201-0205): all Reliability, all Warning, each with its docs page.</summary>
internal static class BalanceDescriptors
{
    private const string Category = "Reliability";

    public static readonly DiagnosticDescriptor AcquireLeaked = Create(
        DiagnosticIds.AcquireLeaked,
        "Acquired resource is not released on every path",
        "The '{0}' acquired by '{1}' is not released or handed over on every path: it leaks at {2}; release it before that exit or move the rest into try/finally");

    public static readonly DiagnosticDescriptor AcquireLeakedOnException = Create(
        DiagnosticIds.AcquireLeakedOnException,
        "Acquired resource leaks when an exception is thrown",
        "The '{0}' acquired by '{1}' leaks if '{2}' throws; release it in a finally block");

    public static readonly DiagnosticDescriptor UnbalancedRelease = Create(
        DiagnosticIds.UnbalancedRelease,
        "Release without a matching acquire",
        "'{0}' releases '{1}' that {2}; release only on paths that acquired it, and only once");

    public static readonly DiagnosticDescriptor AcquireResultIgnored = Create(
        DiagnosticIds.AcquireResultIgnored,
        "Result of an acquire is ignored",
        "The result of '{0}' is ignored: it says whether '{1}' was acquired; check it, handle the failure and release on success");

    public static readonly DiagnosticDescriptor ReleaseAmountMismatch = Create(
        DiagnosticIds.ReleaseAmountMismatch,
        "Released amount differs from the acquired amount",
        "'{0}' releases {1} but '{2}' acquired {3}; release exactly the amount that was acquired");

    private static DiagnosticDescriptor Create(string id, string title, string message) =>
        Descriptors.Create(id, title, message, Category, DiagnosticSeverity.Warning, description: title + ".");
}
