using KmemGen.Samples.Quickstart;

namespace KmemGen.Samples.Tests;

public sealed class QuickstartArgumentsTests
{
    [Fact]
    public void No_arguments_run_the_tour()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Null(QuickstartArguments.Check([], output, error));
        Assert.Equal("", output.ToString());
        Assert.Equal("", error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_prints_the_usage_and_exits_0(string flag)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Equal(0, QuickstartArguments.Check([flag], output, error));
        Assert.Contains(QuickstartArguments.Usage, output.ToString());
        Assert.Equal("", error.ToString());
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--tenants=4")]
    [InlineData("--help", "--bogus")]
    public void Any_other_argument_is_refused_with_exit_2_naming_it(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Equal(2, QuickstartArguments.Check(args, output, error));
        Assert.Contains($"'{args[0]}'", error.ToString());
        Assert.Equal("", output.ToString());
    }
}
