using KmemGen.Generators.Tests.Infrastructure;
using KmemGen.Testing;

namespace KmemGen.Generators.Tests;

/// <summary>
/// What the generator does with definitions it cannot or should not emit for. It reports nothing itself
/// (the definition analyzer does, KMEM0901-0909) and never throws.
/// </summary>
public sealed class BrokenInputTests
{
    [Fact]
    public void Shape_errors_emit_no_code_but_argument_errors_still_emit_it()
    {
        GeneratorOutput notPartial = GeneratorHarness.Run("[KmemGen.SlabCharge] public struct A { public int X; }");
        GeneratorOutput badAlign = GeneratorHarness.Run("[KmemGen.SlabCharge(Align = 3)] public partial struct A { public int X; }");
        GeneratorOutput badName = GeneratorHarness.Run("[KmemGen.SlabCharge(Name = \"a b\")] public partial struct A { public int X; }");

        Assert.Empty(notPartial.Result.GeneratedSources);
        Assert.Single(badAlign.Result.GeneratedSources);
        Assert.Single(badName.Result.GeneratedSources);
        Assert.All(new[] { notPartial, badAlign, badName }, o => Assert.Empty(o.GeneratorDiagnostics));
    }

    [Fact]
    public void Project_without_unsafe_code_gets_no_code()
    {
        GeneratorOutput output = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(allowUnsafe: false,
            "[KmemGen.SlabCharge] public partial struct Elem { public int Key; }"));

        Assert.Empty(output.Result.GeneratedSources);
        Assert.Empty(output.GeneratorDiagnostics);
    }

    [Theory]
    [MemberData(nameof(BrokenDefinitions.Sources), MemberType = typeof(BrokenDefinitions))]
    public void Broken_or_odd_input_never_makes_the_generator_throw(string source)
    {
        // Run rethrows GeneratorRunResult.Exception.
        GeneratorOutput output = GeneratorHarness.Run(source);

        Assert.Null(output.Result.Exception);
        Assert.Empty(output.GeneratorDiagnostics);
    }

    [Fact]
    public void Two_partial_declarations_in_one_file_one_with_another_namespaces_SlabCharge_emit_one_source()
    {
        // ForAttributeWithMetadataName hands both declarations the tree's attributes; only the declaration
        // that carries KmemGen's own [SlabCharge] may produce the (single) hint name.
        GeneratorOutput output = GeneratorHarness.Run("""
            namespace Other { public sealed class SlabChargeAttribute : System.Attribute { } }
            namespace N
            {
                using Other;
                [KmemGen.SlabCharge] partial struct P { public int X; }
                [SlabCharge] partial struct P { }
            }
            """);

        Assert.Equal("N.P.g.cs", Assert.Single(output.Result.GeneratedSources).HintName);
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
}
