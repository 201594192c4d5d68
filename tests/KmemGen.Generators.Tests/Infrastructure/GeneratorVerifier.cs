using System.Text;
using KmemGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Generators.Tests.Infrastructure;

/// <summary>
/// Generator tests on Microsoft.CodeAnalysis.CSharp.SourceGenerators.Testing: the generated sources must be
/// exactly the expected ones (by hint name and text), the generator must report nothing, and the project with
/// the generated code must compile without errors.
/// </summary>
internal static class GeneratorVerifier
{
    /// <summary>
    /// The hash the running Roslyn gives generated sources: Roslyn 5 moved them from SHA-1 to SHA-256, and the
    /// framework compares the algorithm along with the text.
    /// </summary>
    public static SourceHashAlgorithm GeneratedHashAlgorithm { get; } =
        typeof(Compilation).Assembly.GetName().Version!.Major >= 5 ? SourceHashAlgorithm.Sha256 : SourceHashAlgorithm.Sha1;

    public static Task VerifyAsync(string source, IEnumerable<(string HintName, string Text)> expected, string? accounting = null, bool allowUnsafe = true)
        => Create(source, expected, accounting, allowUnsafe).RunAsync();

    public static CSharpSourceGeneratorTest<SlabChargeGenerator, DefaultVerifier> Create(
        string source, IEnumerable<(string HintName, string Text)> expected, string? accounting = null, bool allowUnsafe = true)
    {
        var test = new CSharpSourceGeneratorTest<SlabChargeGenerator, DefaultVerifier>
        {
            TestCode = source,
            ReferenceAssemblies = TestReferences.ReferenceAssemblies,
            // Markup belongs to the analyzer tests; generator inputs are plain C# (they may contain "[|").
            MarkupOptions = MarkupOptions.None,
        };
        test.TestState.MarkupHandling = MarkupMode.None;
        test.TestState.AdditionalReferences.AddRange(TestReferences.All);
        foreach ((string hintName, string text) in expected)
        {
            test.TestState.GeneratedSources.Add((typeof(SlabChargeGenerator), hintName, SourceText.From(text, Encoding.UTF8, GeneratedHashAlgorithm)));
        }

        if (accounting is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", $"is_global = true\nbuild_property.KmemAccounting = {accounting}\n"));
        }

        test.SolutionTransforms.Add(TestProjectOptions.Transform(allowUnsafe));
        return test;
    }
}
