using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// .editorconfig / .globalconfig options for a test: global keys (e.g. "kmemgen.account_policy",
/// "build_property.KmemAccounting") seen by every tree.
/// </summary>
public sealed class TestAnalyzerConfigOptionsProvider(IReadOnlyDictionary<string, string>? globalOptions = null) : AnalyzerConfigOptionsProvider
{
    private readonly DictionaryOptions _options = new(globalOptions ?? new Dictionary<string, string>());

    public override AnalyzerConfigOptions GlobalOptions => _options;
    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;
    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;

    private sealed class DictionaryOptions(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            => values.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => values.Keys;
    }
}

/// <summary>Everything a verification may vary.</summary>
public sealed record VerifyOptions
{
    /// <summary>Global analyzer config options (editorconfig keys).</summary>
    public IReadOnlyDictionary<string, string> GlobalOptions { get; init; } = new Dictionary<string, string>();
    /// <summary>Diagnostic severities to force, e.g. to enable an off-by-default rule.</summary>
    public IReadOnlyDictionary<string, ReportDiagnostic> SpecificOptions { get; init; } = new Dictionary<string, ReportDiagnostic>();
    /// <summary>Compiler errors the source may contain (for incomplete-code tests); otherwise it must compile.</summary>
    public bool AllowCompilerErrors { get; init; }
    /// <summary>Run the [SlabCharge] generator first, so analyzers see generated code.</summary>
    public bool RunGenerators { get; init; } = true;

    public static VerifyOptions Default { get; } = new();

    internal ImmutableDictionary<string, ReportDiagnostic> SpecificDiagnosticOptions => SpecificOptions.ToImmutableDictionary();
}
