using System.Globalization;
using KmemGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KmemGen.Generators.Tests;

/// <summary>One test per generator diagnostic: its ID, where it points and what it tells the user.</summary>
public sealed class DiagnosticTests
{
    [Fact]
    public void KMEM0901_struct_without_partial_is_reported_at_its_name()
    {
        Diagnostic d = Single("""
            using KmemGen;

            [SlabCharge]
            public struct {|KMEM0901:Packet|}
            {
                public int Length;
            }
            """);

        Assert.Equal(
            "'Packet' must be declared partial so KmemGen can add its slab cache members; add the 'partial' modifier to 'Packet'",
            Message(d));
        AssertDescriptor(d, "Design");
    }

    [Fact]
    public void KMEM0901_containing_type_without_partial_is_named_in_the_message()
    {
        Diagnostic d = Single("""
            using KmemGen;

            namespace Net;

            public class Stack
            {
                [SlabCharge]
                public partial struct {|KMEM0901:Packet|}
                {
                    public int Length;
                }
            }
            """);

        Assert.Equal(
            "'Net.Stack' must be declared partial so KmemGen can add its slab cache members; add the 'partial' modifier to 'Net.Stack'",
            Message(d));
    }

    [Fact]
    public void KMEM0902_managed_field_is_named_with_its_type()
    {
        Diagnostic d = Single("""
            using KmemGen;

            [SlabCharge]
            public partial struct {|KMEM0902:Session|}
            {
                public int Id;
                public string Name;
            }
            """);

        Assert.Equal(
            "'Session' is not unmanaged: field 'Name' of type 'string' is a managed type; slab objects live in native memory, so change 'Name' to an unmanaged type or remove [SlabCharge]",
            Message(d));
        AssertDescriptor(d, "Design");
    }

    [Fact]
    public void KMEM0902_managed_auto_property_is_named_by_the_property()
    {
        Diagnostic d = Single("""
            using KmemGen;

            [SlabCharge]
            public partial struct {|KMEM0902:Session|}
            {
                public object? Owner { get; set; }
            }
            """);

        Assert.Contains("field 'Owner' of type 'object?'", Message(d));
    }

    [Fact]
    public void KMEM0903_generic_struct_is_reported()
    {
        Diagnostic d = Single("""
            using KmemGen;

            [SlabCharge]
            public partial struct {|KMEM0903:Box|}<T> where T : unmanaged
            {
                public T Value;
            }
            """);

        Assert.Equal(
            "'Box<T>' is generic; a slab cache has one object size, so declare a non-generic struct outside generic types",
            Message(d));
        AssertDescriptor(d, "Design");
    }

    [Fact]
    public void KMEM0903_struct_nested_in_a_generic_type_is_reported()
    {
        Diagnostic d = Single("""
            using KmemGen;

            public partial class Map<TKey>
            {
                [SlabCharge]
                public partial struct {|KMEM0903:Entry|}
                {
                    public int Hash;
                }
            }
            """);

        Assert.Equal(
            "'Map<TKey>.Entry' is nested in generic type 'Map<TKey>'; a slab cache has one object size, so declare a non-generic struct outside generic types",
            Message(d));
    }

    [Fact]
    public void KMEM0904_ref_struct_is_reported()
    {
        Diagnostic d = Single("""
            using KmemGen;

            [SlabCharge]
            public ref partial struct {|KMEM0904:Cursor|}
            {
                public int Position;
            }
            """);

        Assert.Equal(
            "'Cursor' is a ref struct, which cannot live in native memory behind a pointer; remove the 'ref' modifier",
            Message(d));
        AssertDescriptor(d, "Design");
    }

    [Theory]
    [InlineData("\"\"", "", "it is empty")]
    [InlineData("\"   \"", "   ", "it is only whitespace")]
    [InlineData("\"bpf map\"", "bpf map", "it contains the character U+0020")]
    [InlineData("\"maps/elem\"", "maps/elem", "it contains the character '/'")]
    public void KMEM0905_invalid_name_is_reported_at_the_Name_argument(string literal, string name, string problem)
    {
        Diagnostic d = Single($$"""
            using KmemGen;

            [SlabCharge(Name = {|KMEM0905:{{literal}}|})]
            public partial struct Elem
            {
                public int Key;
            }
            """);

        Assert.Equal(
            $"Cache name \"{name}\" on 'Elem' is invalid: {problem}; use a non-empty name of letters, digits, '_', '-', ':' or '.'",
            Message(d));
        AssertDescriptor(d, "Usage");
    }

    [Theory]
    [InlineData("-8", "it is negative")]
    [InlineData("24", "it is not a power of two")]
    [InlineData("8192", "it is larger than a 4096-byte page")]
    public void KMEM0906_invalid_alignment_is_reported_at_the_Align_argument(string align, string problem)
    {
        Diagnostic d = Single($$"""
            using KmemGen;

            [SlabCharge(Align = {|KMEM0906:{{align}}|})]
            public partial struct Elem
            {
                public int Key;
            }
            """);

        Assert.Equal(
            $"Align = {align} on 'Elem' is invalid: {problem}; use 0 (natural alignment) or a power of two from 1 to 4096",
            Message(d));
        AssertDescriptor(d, "Usage");
    }

    [Fact]
    public void KMEM0907_two_types_claiming_one_cache_name_are_both_reported()
    {
        IReadOnlyList<Diagnostic> diagnostics = Diagnose("""
            using KmemGen;

            namespace A
            {
                [{|KMEM0907:SlabCharge|}]
                public partial struct TaskStruct { public int Pid; }
            }

            namespace B
            {
                [SlabCharge(Name = {|KMEM0907:"task_struct"|})]
                public partial struct Task { public int Pid; }
            }
            """);

        Assert.Equal(
            new[]
            {
                "Cache name \"task_struct\" of 'A.TaskStruct' is also used by 'B.Task'; give each [SlabCharge] type a distinct Name",
                "Cache name \"task_struct\" of 'B.Task' is also used by 'A.TaskStruct'; give each [SlabCharge] type a distinct Name",
            },
            diagnostics.Select(Message).Order(StringComparer.Ordinal));
        AssertDescriptor(diagnostics[0], "Usage");
    }

    [Fact]
    public void KMEM0908_project_without_unsafe_code_is_reported_at_the_attribute()
    {
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse("""
            using KmemGen;

            [{|KMEM0908:SlabCharge|}]
            public partial struct Elem
            {
                public int Key;
            }
            """);

        GeneratorOutput output = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(allowUnsafe: false, source));

        Diagnostic d = Assert.Single(output.GeneratorDiagnostics);
        AssertMatches(expected.Single(), d);
        Assert.Equal(
            "'Elem' gets pointer-returning Alloc/Free members, which need unsafe code; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project",
            Message(d));
        Assert.Empty(output.Result.GeneratedSources);
    }

    [Fact]
    public void KMEM0909_file_local_struct_is_reported()
    {
        Diagnostic d = Single("""
            using KmemGen;

            [SlabCharge]
            file partial struct {|KMEM0909:Scratch|}
            {
                public int X;
            }
            """);

        Assert.Equal(
            "'Scratch' is a file-local type, and generated code lives in another file where it cannot extend it; remove the 'file' modifier from 'Scratch'",
            Message(d));
        AssertDescriptor(d, "Design");
    }

    [Fact]
    public void KMEM0909_struct_nested_in_a_file_local_type_names_that_type()
    {
        Diagnostic d = Single("""
            file partial class Local
            {
                [KmemGen.SlabCharge]
                public partial struct {|KMEM0909:Entry|} { public int X; }
            }
            """);

        Assert.StartsWith("'Local' is a file-local type", Message(d));
    }

    [Fact]
    public void Pragma_warning_disable_suppresses_a_generator_diagnostic()
    {
        const string Struct = """
            [KmemGen.SlabCharge]
            public struct Packet { public int Length; }
            """;

        GeneratorOutput unsuppressed = GeneratorHarness.Run(Struct);
        GeneratorOutput suppressed = GeneratorHarness.Run("#pragma warning disable KMEM0901\n" + Struct);

        Diagnostic reported = Assert.Single(unsuppressed.GeneratorDiagnostics);
        Assert.Equal("KMEM0901", reported.Id);
        Assert.False(reported.IsSuppressed);

        // The compiler keeps a #pragma-suppressed diagnostic but marks it suppressed: csc neither
        // prints it nor fails the build on it.
        Diagnostic silenced = Assert.Single(suppressed.GeneratorDiagnostics);
        Assert.Equal("KMEM0901", silenced.Id);
        Assert.True(silenced.IsSuppressed);
    }

    [Fact]
    public void NoWarn_or_editorconfig_severity_none_drops_a_generator_diagnostic()
    {
        // <NoWarn> and dotnet_diagnostic.ID.severity reach the compiler as specific diagnostic options.
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation("[KmemGen.SlabCharge] public struct Packet { public int Length; }");
        CSharpCompilation configured = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            new Dictionary<string, ReportDiagnostic> { ["KMEM0901"] = ReportDiagnostic.Suppress }));

        Assert.Single(GeneratorHarness.Run(compilation).GeneratorDiagnostics);
        Assert.Empty(GeneratorHarness.Run(configured).GeneratorDiagnostics);
    }

    [Fact]
    public void Shape_errors_emit_no_code_but_argument_errors_still_emit_it()
    {
        GeneratorOutput notPartial = GeneratorHarness.Run("[KmemGen.SlabCharge] public struct A { public int X; }");
        GeneratorOutput badAlign = GeneratorHarness.Run("[KmemGen.SlabCharge(Align = 3)] public partial struct A { public int X; }");

        Assert.Empty(notPartial.Result.GeneratedSources);
        Assert.Single(badAlign.Result.GeneratedSources);
    }

    [Theory]
    [InlineData("[KmemGen.SlabCharge(Name = 42)] public partial struct A { public int X; }")]
    [InlineData("[KmemGen.SlabCharge] public partial struct { public int X; }")]
    [InlineData("[KmemGen.SlabCharge] public partial class C { }")]
    [InlineData("[KmemGen.SlabCharge(Align = int.MaxValue, Name = null)] public partial struct A { public A Self; }")]
    [InlineData("[KmemGen.SlabCharge] public partial record struct R(int X, string Y);")]
    [InlineData("[KmemGen.SlabCharge] partial struct @event { public int X; }")]
    [InlineData("[KmemGen.SlabCharge] public partial record R(int X);")]
    [InlineData("[KmemGen.SlabCharge] partial struct Twice { public int X; } [KmemGen.SlabCharge] partial struct Twice { }")]
    [InlineData("namespace Other { class SlabChargeAttribute : System.Attribute { } } [KmemGen.SlabCharge] partial struct Mixed { public int X; } [Other.SlabCharge] partial struct Mixed { }")]
    [InlineData("[Other.SlabCharge] partial struct Mixed { public int X; } [KmemGen.SlabCharge] partial struct Mixed { }")]
    [InlineData("[KmemGen.SlabCharge] partial struct Mixed { public int X; } [SlabCharge] partial struct Mixed { }")]
    public void Broken_or_odd_input_never_makes_the_generator_throw(string source)
    {
        // Run rethrows GeneratorRunResult.Exception.
        GeneratorOutput output = GeneratorHarness.Run(source);

        Assert.Null(output.Result.Exception);
    }

    [Fact]
    public void Partial_struct_with_our_attribute_on_one_declaration_and_another_SlabCharge_on_the_other_emits_once()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            namespace Other { class SlabChargeAttribute : System.Attribute { } }
            [KmemGen.SlabCharge] partial struct Mixed { public int X; }
            [Other.SlabCharge] partial struct Mixed { }
            """);

        Assert.Null(output.Result.Exception);
        Assert.Single(output.Result.GeneratedSources);
        Assert.DoesNotContain(output.CompilationDiagnostics, d => d.Id == "CS8785");
    }

    [Fact]
    public void Misplaced_attributes_are_left_to_the_compiler_errors()
    {
        GeneratorOutput onClass = GeneratorHarness.Run("[KmemGen.SlabCharge] public partial record R(int X);");
        GeneratorOutput twice = GeneratorHarness.Run(
            "[KmemGen.SlabCharge] partial struct Twice { public int X; }",
            "[KmemGen.SlabCharge] partial struct Twice { }");

        Assert.Empty(onClass.GeneratorDiagnostics);
        Assert.Empty(onClass.Result.GeneratedSources);
        Assert.Contains(onClass.CompilationDiagnostics, d => d.Id == "CS0592");

        Assert.Empty(twice.GeneratorDiagnostics);
        Assert.Equal("Twice.g.cs", Assert.Single(twice.Result.GeneratedSources).HintName);
        Assert.Contains(twice.CompilationDiagnostics, d => d.Id == "CS0579");
    }

    private static Diagnostic Single(string markup) => Assert.Single(Diagnose(markup));

    /// <summary>Runs the generator and checks its diagnostics are exactly the marked ones, in source.</summary>
    private static IReadOnlyList<Diagnostic> Diagnose(string markup)
    {
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(markup);
        GeneratorOutput output = GeneratorHarness.Run(source);
        List<Diagnostic> actual = output.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToList();

        Assert.True(expected.Count == actual.Count, string.Join("\n", actual));
        for (int i = 0; i < expected.Count; i++)
        {
            AssertMatches(expected[i], actual[i]);
        }

        return actual;
    }

    private static void AssertMatches(ExpectedDiagnostic expected, Diagnostic actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Span, actual.Location.SourceSpan);

        // A location inside the syntax tree (not an external file location) is what lets #pragma see it.
        Assert.True(actual.Location.IsInSource, $"{actual.Id} should be reported inside the source tree");
    }

    private static void AssertDescriptor(Diagnostic d, string category)
    {
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(category, d.Descriptor.Category);
        Assert.Equal($"https://github.com/kmemgen/kmemgen/blob/main/docs/rules/{d.Id}.md", d.Descriptor.HelpLinkUri);
    }

    private static string Message(Diagnostic d) => d.GetMessage(CultureInfo.InvariantCulture);
}
