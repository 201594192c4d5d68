using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Accounting;

/// <summary>Which code KMEM0001 checks: every allocation (default) or only code marked [TenantCode].</summary>
internal enum AccountPolicy
{
    All,
    Annotated,
}

internal static class AccountPolicyOption
{
    /// <summary>The .editorconfig / .globalconfig key.</summary>
    public const string Key = "kmemgen.account_policy";

    /// <summary>Reads the policy; an unrecognised value falls back to <see cref="AccountPolicy.All"/> and is returned in <paramref name="invalid"/>.</summary>
    public static AccountPolicy Read(AnalyzerConfigOptions options, out string? invalid)
    {
        invalid = null;
        if (!options.TryGetValue(Key, out var raw) || raw is null) return AccountPolicy.All;
        var value = raw.Trim();
        if (value.Length == 0 || string.Equals(value, "all", StringComparison.OrdinalIgnoreCase)) return AccountPolicy.All;
        if (string.Equals(value, "annotated", StringComparison.OrdinalIgnoreCase)) return AccountPolicy.Annotated;
        invalid = raw;
        return AccountPolicy.All;
    }
}
