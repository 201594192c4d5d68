using System.Collections.Immutable;
using System.Globalization;
using KmemGen.Analyzers.Generator;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Analyzers.Tests.Generator;

/// <summary>One test per [SlabCharge] definition rule (KMEM0901-0909): its ID, where it points and what it tells the user.</summary>
public sealed class SlabChargeDefinitionTests
{
    [Fact]
    public async Task KMEM0901_struct_without_partial_is_reported_at_its_name()
    {
        Diagnostic d = await SingleAsync("""
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
    public async Task KMEM0901_containing_type_without_partial_is_named_in_the_message()
    {
        Diagnostic d = await SingleAsync("""
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
    public async Task KMEM0902_managed_field_is_named_with_its_type()
    {
        Diagnostic d = await SingleAsync("""
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
    public async Task KMEM0902_managed_auto_property_is_named_by_the_property()
    {
        Diagnostic d = await SingleAsync("""
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
    public async Task KMEM0903_generic_struct_is_reported()
    {
        Diagnostic d = await SingleAsync("""
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
    public async Task KMEM0903_struct_nested_in_a_generic_type_is_reported()
    {
        Diagnostic d = await SingleAsync("""
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
    public async Task KMEM0904_ref_struct_is_reported()
    {
        Diagnostic d = await SingleAsync("""
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
    public async Task KMEM0905_invalid_name_is_reported_at_the_Name_argument(string literal, string name, string problem)
    {
        Diagnostic d = await SingleAsync($$"""
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
    public async Task KMEM0906_invalid_alignment_is_reported_at_the_Align_argument(string align, string problem)
    {
        Diagnostic d = await SingleAsync($$"""
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
    public async Task KMEM0907_two_types_claiming_one_cache_name_are_both_reported()
    {
        IReadOnlyList<Diagnostic> diagnostics = await DiagnoseAsync("""
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
    public async Task KMEM0909_file_local_struct_is_reported()
    {
        Diagnostic d = await SingleAsync("""
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
    public async Task KMEM0909_struct_nested_in_a_file_local_type_names_that_type()
    {
        Diagnostic d = await SingleAsync("""
            file partial class Local
            {
                [KmemGen.SlabCharge]
                public partial struct {|KMEM0909:Entry|} { public int X; }
            }
            """);

        Assert.StartsWith("'Local' is a file-local type", Message(d));
    }

    [Fact]
    public async Task KMEM0908_project_without_unsafe_code_is_reported_at_the_attribute()
    {
        var options = new VerifyOptions { AllowUnsafe = false };
        Diagnostic d = await SingleAsync("""
            using KmemGen;

            [{|KMEM0908:SlabCharge|}]
            public partial struct Elem
            {
                public int Key;
            }
            """, options);

        Assert.Equal(
            "'Elem' gets pointer-returning Alloc/Free members, which need unsafe code; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project",
            Message(d));
        AssertDescriptor(d, "Usage");
    }

    [Fact]
    public async Task Pragma_warning_disable_suppresses_a_definition_diagnostic()
    {
        const string Struct = """
            [KmemGen.SlabCharge]
            public struct {|KMEM0901:Packet|} { public int Length; }
            """;

        await AnalyzerVerifier.VerifyAsync<SlabChargeDefinitionAnalyzer>(Struct);
        await AnalyzerVerifier.VerifyAsync<SlabChargeDefinitionAnalyzer>("#pragma warning disable KMEM0901\n" + Plain(Struct));
    }

    [Fact]
    public async Task SuppressMessage_on_the_type_suppresses_a_definition_diagnostic()
        => await AnalyzerVerifier.VerifyAsync<SlabChargeDefinitionAnalyzer>("""
            [KmemGen.SlabCharge]
            [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "KMEM0901", Justification = "test")]
            public struct Packet { public int Length; }
            """);

    [Fact]
    public async Task NoWarn_or_editorconfig_severity_none_drops_a_definition_diagnostic()
    {
        // <NoWarn> and dotnet_diagnostic.ID.severity reach the compiler as specific diagnostic options.
        const string Struct = "[KmemGen.SlabCharge] public struct {|KMEM0901:Packet|} { public int Length; }";
        await AnalyzerVerifier.VerifyAsync<SlabChargeDefinitionAnalyzer>(Struct);
        await AnalyzerVerifier.VerifyAsync<SlabChargeDefinitionAnalyzer>(Plain(Struct),
            new VerifyOptions { SpecificOptions = new Dictionary<string, ReportDiagnostic> { ["KMEM0901"] = ReportDiagnostic.Suppress } });
    }

    [Fact]
    public async Task Misplaced_attributes_are_left_to_the_compiler_errors()
    {
        var allowErrors = new VerifyOptions { AllowCompilerErrors = true };
        var onRecordClass = await AnalyzerVerifier.GetDiagnosticsAsync("[KmemGen.SlabCharge] public partial record R(int X);", s_analyzer, allowErrors);
        var twice = await AnalyzerVerifier.GetDiagnosticsAsync(
            "[KmemGen.SlabCharge] partial struct Twice { public int X; } [KmemGen.SlabCharge] partial struct Twice { }", s_analyzer, allowErrors);

        Assert.Empty(onRecordClass);
        Assert.Empty(twice);
        Assert.Contains(TestCompilation.Create(["[KmemGen.SlabCharge] public partial record R(int X);"]).GetDiagnostics(), d => d.Id == "CS0592");
    }

    [Fact]
    public async Task Nothing_is_registered_without_KmemGen()
    {
        var withoutKmemGen = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("NoKmemGen",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("namespace KmemGenLike { class SlabChargeAttribute : System.Attribute { } [SlabCharge] struct S { object O; } }", TestCompilation.ParseOptions)],
            TestReferences.Framework, TestCompilation.CompilationOptions);
        Assert.Empty(await AnalyzerVerifier.RunAsync(withoutKmemGen, s_analyzer, VerifyOptions.Default));
    }

    [Theory]
    [MemberData(nameof(BrokenDefinitions.Sources), MemberType = typeof(BrokenDefinitions))]
    public async Task Broken_or_odd_input_never_makes_the_analyzer_throw(string source)
    {
        // GetDiagnosticsAsync fails the test on any analyzer exception (AD0001).
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(source, s_analyzer, new VerifyOptions { AllowCompilerErrors = true });
        Assert.All(diagnostics, d => Assert.StartsWith("KMEM09", d.Id, StringComparison.Ordinal));
    }

    private static readonly ImmutableArray<DiagnosticAnalyzer> s_analyzer = [new SlabChargeDefinitionAnalyzer()];

    private static async Task<Diagnostic> SingleAsync(string markup, VerifyOptions? options = null) => Assert.Single(await DiagnoseAsync(markup, options));

    /// <summary>Checks the analyzer reports exactly the marked diagnostics, then returns them for their messages.</summary>
    private static async Task<IReadOnlyList<Diagnostic>> DiagnoseAsync(string markup, VerifyOptions? options = null)
    {
        options ??= VerifyOptions.Default;
        await AnalyzerVerifier.VerifyAsync<SlabChargeDefinitionAnalyzer>(markup, options);
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(Plain(markup), s_analyzer, options);
        // A location inside the syntax tree is what lets #pragma and [SuppressMessage] see it.
        Assert.All(diagnostics, d => Assert.True(d.Location.IsInSource, $"{d.Id} should be reported inside the source tree"));
        return diagnostics;
    }

    private static string Plain(string markup)
    {
        TestFileMarkupParser.GetSpans(markup, out string source, out ImmutableDictionary<string, ImmutableArray<TextSpan>> _);
        return source;
    }

    private static void AssertDescriptor(Diagnostic d, string category)
    {
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(category, d.Descriptor.Category);
        Assert.Equal(KmemGen.Analyzers.Common.Descriptors.HelpLink(d.Id), d.Descriptor.HelpLinkUri);
    }

    private static string Message(Diagnostic d) => d.GetMessage(CultureInfo.InvariantCulture);
}
