using KmemGen.Generators.Tests.Infrastructure;

namespace KmemGen.Generators.Tests;

/// <summary>KmemAccounting: only an explicit "false" turns charging off; a typo never does.</summary>
public sealed class AccountingSwitchTests
{
    private const string Source = "[KmemGen.SlabCharge] public partial struct Node { public int Key; }";

    [Theory]
    [InlineData("false")]
    [InlineData("False")]
    [InlineData(" FALSE ")]
    public void False_in_any_case_creates_the_cache_without_Account_and_masks_Gfp_Account(string value)
    {
        string code = Generate(TestOptionsProvider.WithAccounting(value));

        Assert.DoesNotContain("SlabFlags.Account", code);
        Assert.Contains("global::KmemGen.SlabFlags.None", code);
        Assert.Contains("Alloc(gfp & ~global::KmemGen.Gfp.Account)", code);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("")]
    [InlineData("no")]
    [InlineData("0")]
    public void Anything_else_keeps_accounting_on(string value)
    {
        string code = Generate(TestOptionsProvider.WithAccounting(value));

        Assert.Contains("global::KmemGen.SlabFlags.Account,", code);
        Assert.Contains("Instance.Alloc(gfp)", code);
    }

    [Fact]
    public void Without_the_property_accounting_is_on()
    {
        string code = Generate(TestOptionsProvider.Empty);

        Assert.Contains("global::KmemGen.SlabFlags.Account,", code);
    }

    private static string Generate(TestOptionsProvider options) =>
        GeneratorHarness.Run(GeneratorHarness.CreateCompilation(Source), options).Source("Node.g.cs");
}
