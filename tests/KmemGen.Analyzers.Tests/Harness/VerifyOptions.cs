using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>Everything a verification may vary.</summary>
public sealed record VerifyOptions
{
    /// <summary>Global analyzer config options (editorconfig keys such as "kmemgen.account_policy" or "build_property.KmemAccounting").</summary>
    public IReadOnlyDictionary<string, string> GlobalOptions { get; init; } = new Dictionary<string, string>();
    /// <summary>Diagnostic severities to force, e.g. to enable an off-by-default rule.</summary>
    public IReadOnlyDictionary<string, ReportDiagnostic> SpecificOptions { get; init; } = new Dictionary<string, ReportDiagnostic>();
    /// <summary>Compiler errors the source may contain (for incomplete-code tests); otherwise it must compile.</summary>
    public bool AllowCompilerErrors { get; init; }
    /// <summary>Unsafe code allowed in the test project (AllowUnsafeBlocks), as the generated [SlabCharge] members need.</summary>
    public bool AllowUnsafe { get; init; } = true;
    /// <summary>Run the [SlabCharge] generator first, so analyzers see generated code.</summary>
    public bool RunGenerators { get; init; } = true;

    public static VerifyOptions Default { get; } = new();

    internal ImmutableDictionary<string, ReportDiagnostic> SpecificDiagnosticOptions => SpecificOptions.ToImmutableDictionary();

    /// <summary>The options as one global analyzer config file (is_global, then one "key = value" line per option).</summary>
    internal string? GlobalConfig => GlobalOptions.Count == 0
        ? null
        : "is_global = true\n" + string.Concat(GlobalOptions.Select(o => $"{o.Key} = {o.Value}\n"));
}
