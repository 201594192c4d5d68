using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Generators.Tests.Infrastructure;

/// <summary>
/// Stands in for the build: global options are what MSBuild passes as build_property.X for every
/// CompilerVisibleProperty (here, KmemAccounting).
/// </summary>
internal sealed class TestOptionsProvider(IReadOnlyDictionary<string, string> globalOptions) : AnalyzerConfigOptionsProvider
{
    public static readonly TestOptionsProvider Empty = new(ImmutableDictionary<string, string>.Empty);

    public override AnalyzerConfigOptions GlobalOptions { get; } = new DictionaryOptions(globalOptions);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => DictionaryOptions.None;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => DictionaryOptions.None;

    public static TestOptionsProvider WithAccounting(string value) =>
        new(new Dictionary<string, string> { ["build_property.KmemAccounting"] = value });

    private sealed class DictionaryOptions(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly DictionaryOptions None = new(ImmutableDictionary<string, string>.Empty);

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) =>
            values.TryGetValue(key, out value);
    }
}
