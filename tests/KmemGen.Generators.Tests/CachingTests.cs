using System.Reflection;
using KmemGen.Generators.Models;
using KmemGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Generators.Tests;

/// <summary>
/// The generator runs on every keystroke in an IDE: edits that do not touch a [SlabCharge] type
/// must leave every tracked step Cached or Unchanged, and no step may hold a Roslyn object that
/// would keep an old compilation alive (the LoggerMessage and NetEscapades caching tests).
/// </summary>
public sealed class CachingTests
{
    private const string Sessions = """
        using KmemGen;

        namespace Net;

        [SlabCharge(Name = "tcp_session")]
        public partial struct TcpSession
        {
            public long Id;
        }

        public static class Helpers
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    private const string Other = """
        namespace Net;

        public static class Elsewhere
        {
            public static int Add(int a, int b) => a + b;
        }
        """;

    private static readonly string[] s_allTrackingNames = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.NonPublic)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void Rerunning_an_identical_compilation_caches_every_step()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Sessions, Other);

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, compilation.Clone());

        // Every named step exists, so the assertions below cover the whole pipeline.
        Assert.Equal(s_allTrackingNames.Order(StringComparer.Ordinal), first.TrackedSteps.Keys.Where(s_allTrackingNames.Contains).Order(StringComparer.Ordinal));
        AssertEveryStepCachedOrUnchanged(second);
        AssertCodeOutputCached(second);
        Assert.Equal(Texts(first), Texts(second));
    }

    [Fact]
    public void Adding_an_unrelated_file_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Sessions, Other);
        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Net; public static class Added { public static void M() { } }", GeneratorHarness.ParseOptions, "/src/Added.cs"));

        (_, GeneratorRunResult second) = RunTwice(compilation, edited);

        AssertEveryStepCachedOrUnchanged(second);
        AssertCodeOutputCached(second);
    }

    [Fact]
    public void Changing_a_method_body_in_another_file_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Sessions, Other);
        CSharpCompilation edited = Edit(compilation, "/src/File1.cs", "a + b", "b + a + 0");

        (_, GeneratorRunResult second) = RunTwice(compilation, edited);

        AssertEveryStepCachedOrUnchanged(second);
        AssertCodeOutputCached(second);
    }

    [Fact]
    public void Changing_a_method_body_below_the_struct_in_its_own_file_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Sessions, Other);
        CSharpCompilation edited = Edit(compilation, "/src/File0.cs", "x * 2", "x + x + 0");

        (_, GeneratorRunResult second) = RunTwice(compilation, edited);

        AssertEveryStepCachedOrUnchanged(second);
        AssertCodeOutputCached(second);
    }

    [Fact]
    public void Editing_the_attribute_marks_the_model_modified_and_regenerates()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Sessions, Other);
        CSharpCompilation edited = Edit(compilation, "/src/File0.cs", "\"tcp_session\"", "\"tcp_sock\"");

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, edited);

        Assert.Equal(IncrementalStepRunReason.Modified, Reason(second, TrackingNames.Transform));
        Assert.Equal(IncrementalStepRunReason.Modified, Reason(second, TrackingNames.Models));
        Assert.Contains("\"tcp_session\"", Texts(first).Single());
        Assert.Contains("\"tcp_sock\"", Texts(second).Single());
    }

    [Fact]
    public void Switching_KmemAccounting_off_reruns_the_emitter_but_not_the_transform()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Sessions, Other);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        driver = driver
            .WithUpdatedAnalyzerConfigOptions(TestOptionsProvider.WithAccounting("false"))
            .RunGenerators(compilation.Clone());
        GeneratorRunResult second = driver.GetRunResult().Results.Single();

        Assert.Equal(IncrementalStepRunReason.Modified, Reason(second, TrackingNames.Options));
        Assert.Contains(Reason(second, TrackingNames.Models), new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged });
        Assert.Contains("gfp & ~global::KmemGen.Gfp.Account", Texts(second).Single());
    }

    [Fact]
    public void No_step_output_holds_a_symbol_syntax_node_compilation_or_location()
    {
        // Include a type with a bad Align and a duplicate name, and one the generator skips, so every step carries data.
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(
            Sessions,
            Other,
            "[KmemGen.SlabCharge(Name = \"tcp_session\", Align = 3)] public partial struct Dup { public int X; }",
            "[KmemGen.SlabCharge] public struct NotPartial { public string S; }");

        (GeneratorRunResult first, GeneratorRunResult second) = RunTwice(compilation, compilation.Clone());

        foreach (GeneratorRunResult run in new[] { first, second })
        {
            // The pipeline carries no diagnostics: KMEM0901-0909 come from the definition analyzer.
            Assert.Empty(run.Diagnostics);
            foreach (string name in s_allTrackingNames)
            {
                foreach (IncrementalGeneratorRunStep step in run.TrackedSteps[name])
                {
                    foreach ((object value, IncrementalStepRunReason _) in step.Outputs)
                    {
                        IReadOnlyList<string> banned = ObjectGraph.FindBanned(value, name);
                        Assert.True(banned.Count == 0, string.Join("\n", banned));
                    }
                }
            }
        }
    }

    [Fact]
    public void The_object_graph_check_finds_a_location_hidden_in_a_model()
    {
        // Guard for the test above: the walker must see through records, arrays and tuples.
        Location location = Location.Create(CSharpSyntaxTree.ParseText("class C { }"), new TextSpan(0, 1));
        var hidden = (Ok: new GeneratorOptions(true), Bad: new[] { new Holder(location) });

        IReadOnlyList<string> banned = ObjectGraph.FindBanned(hidden, "root");

        Assert.Contains(banned, b => b.Contains("is a Location", StringComparison.Ordinal));
    }

    private sealed record Holder(object Payload);

    private static (GeneratorRunResult First, GeneratorRunResult Second) RunTwice(CSharpCompilation first, CSharpCompilation second)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(first);
        GeneratorRunResult firstResult = driver.GetRunResult().Results.Single();
        driver = driver.RunGenerators(second);
        GeneratorRunResult secondResult = driver.GetRunResult().Results.Single();
        Assert.Null(firstResult.Exception);
        Assert.Null(secondResult.Exception);
        return (firstResult, secondResult);
    }

    private static CSharpCompilation Edit(CSharpCompilation compilation, string path, string oldText, string newText)
    {
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        string text = tree.GetText().ToString();
        int at = text.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{oldText}' not in {path}");
        SyntaxTree changed = tree.WithChangedText(tree.GetText().WithChanges(new TextChange(new TextSpan(at, oldText.Length), newText)));
        return compilation.ReplaceSyntaxTree(tree, changed);
    }

    private static void AssertEveryStepCachedOrUnchanged(GeneratorRunResult run)
    {
        foreach (string name in s_allTrackingNames)
        {
            foreach (IncrementalGeneratorRunStep step in run.TrackedSteps[name])
            {
                foreach ((object _, IncrementalStepRunReason reason) in step.Outputs)
                {
                    Assert.True(
                        reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        $"step {name} output was {reason}");
                }
            }
        }
    }

    /// <summary>
    /// No output re-runs: every one is fed by ModelsWithOptions, and none joins the Compilation (which would
    /// make it re-run after every edit).
    /// </summary>
    private static void AssertCodeOutputCached(GeneratorRunResult run)
    {
        IncrementalGeneratorRunStep[] outputs = run.TrackedOutputSteps.SelectMany(kv => kv.Value).ToArray();

        Assert.NotEmpty(outputs);
        Assert.All(outputs, step => Assert.Contains(step.Inputs, i => i.Source.Name == TrackingNames.ModelsWithOptions));
        foreach (IncrementalGeneratorRunStep step in outputs)
        {
            Assert.All(step.Outputs, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        }
    }

    private static IncrementalStepRunReason Reason(GeneratorRunResult run, string stepName) =>
        run.TrackedSteps[stepName].SelectMany(s => s.Outputs).Select(o => o.Reason).Single();

    private static string[] Texts(GeneratorRunResult run) =>
        run.GeneratedSources.Select(s => s.SourceText.ToString()).ToArray();
}
