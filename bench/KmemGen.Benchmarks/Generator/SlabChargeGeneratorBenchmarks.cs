using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using KmemGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KmemGen.Benchmarks.Generator;

/// <summary>
/// What the [SlabCharge] generator costs a build and an IDE keystroke, on a compilation with
/// 1,000 attributed types spread over 20 files.
/// dotnet run -c Release --project bench/KmemGen.Benchmarks -- --filter '*SlabChargeGenerator*' --job short
/// </summary>
[MemoryDiagnoser]
public class SlabChargeGeneratorBenchmarks
{
    private const int Files = 20;

    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _unrelatedEdit = null!;
    private GeneratorDriver _warmDriver = null!;
    private GeneratorDriver _warmFloorDriver = null!;

    [Params(1000)]
    public int Types { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree>();
        for (int file = 0; file < Files; file++)
        {
            var source = new StringBuilder("using KmemGen;\n\nnamespace Bench.N" + file + ";\n\n");
            for (int i = file; i < Types; i += Files)
            {
                source.Append("[SlabCharge] public partial struct Obj").Append(i).Append(" { public long A; public int B; }\n");
            }

            source.Append("public static class Helpers").Append(file).Append(" { public static int M(int x) => x + 1; }\n");
            trees.Add(CSharpSyntaxTree.ParseText(source.ToString(), parseOptions, path: $"/bench/File{file}.cs"));
        }

        string frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        ImmutableArray<MetadataReference> references = Directory.EnumerateFiles(frameworkDir, "System*.dll")
            .Append(Path.Combine(frameworkDir, "netstandard.dll"))
            .Append(typeof(SlabCache).Assembly.Location)
            .Where(File.Exists)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();

        _compilation = CSharpCompilation.Create(
            "Bench",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

        // A keystroke in a method body of one file: the case an IDE hits constantly.
        SyntaxTree edited = trees[0];
        string text = edited.GetText().ToString();
        _unrelatedEdit = _compilation.ReplaceSyntaxTree(
            edited,
            edited.WithChangedText(edited.GetText().Replace(text.IndexOf("x + 1", StringComparison.Ordinal), 5, "x + 2")));

        _warmDriver = CreateDriver().RunGenerators(_compilation);
        _warmFloorDriver = CSharpGeneratorDriver.Create(new AttributeLookupOnlyGenerator()).RunGenerators(_compilation);
        int generated = _warmDriver.GetRunResult().GeneratedTrees.Length;
        if (generated != Types)
        {
            throw new InvalidOperationException($"Expected {Types} generated files, got {generated}.");
        }
    }

    /// <summary>A cold build: every type transformed and emitted.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FullGeneration() => CreateDriver().RunGenerators(_compilation);

    /// <summary>The next run after an edit that touches no [SlabCharge] type.</summary>
    [Benchmark]
    public GeneratorDriver IncrementalAfterUnrelatedEdit() => _warmDriver.RunGenerators(_unrelatedEdit);

    /// <summary>
    /// The floor for the same edit: ForAttributeWithMetadataName with a transform that only reads
    /// the symbol's name. FAWMN re-runs every transform when the compilation changes, so this is
    /// what any attribute-driven generator pays before doing its own work.
    /// </summary>
    [Benchmark]
    public GeneratorDriver FloorAfterUnrelatedEdit() => _warmFloorDriver.RunGenerators(_unrelatedEdit);

    private static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(new SlabChargeGenerator());
}

/// <summary>FAWMN on the same attribute with the cheapest possible transform and no output.</summary>
internal sealed class AttributeLookupOnlyGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<string> names = context.SyntaxProvider.ForAttributeWithMetadataName(
            "KmemGen.SlabChargeAttribute",
            static (_, _) => true,
            static (ctx, _) => ctx.TargetSymbol.Name);
        context.RegisterSourceOutput(names, static (_, _) => { });
    }
}
