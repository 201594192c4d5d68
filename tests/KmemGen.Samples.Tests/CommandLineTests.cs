using KmemGen.Samples.TenantMaps;
using KmemGen.Samples.TenantMaps.Cli;

namespace KmemGen.Samples.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void No_arguments_run_the_documented_defaults()
    {
        CommandLine parsed = CommandLine.Parse([]);

        Assert.False(parsed.ShowHelp);
        Assert.Equal(new SampleOptions(), parsed.Options);
        Assert.Equal(4, parsed.Options.Tenants);
        Assert.Equal(TimeSpan.FromSeconds(5), parsed.Options.Duration);
        Assert.Equal("4M", parsed.Options.Limit);
        Assert.False(parsed.Options.Json);
        Assert.False(parsed.Options.NoLive);
    }

    [Fact]
    public void Every_option_is_read_in_both_spellings()
    {
        SampleOptions spaced = CommandLine.Parse(["--tenants", "6", "--duration", "2s", "--limit", "512K", "--workers", "3", "--seed", "9", "--json", "--no-live"]).Options;
        SampleOptions joined = CommandLine.Parse(["--tenants=6", "--duration=2s", "--limit=512K", "--workers=3", "--seed=9", "--json", "--no-live"]).Options;

        Assert.Equal(spaced, joined);
        Assert.Equal(6, spaced.Tenants);
        Assert.Equal(TimeSpan.FromSeconds(2), spaced.Duration);
        Assert.Equal("512K", spaced.Limit);
        Assert.Equal(3, spaced.Workers);
        Assert.Equal(9, spaced.Seed);
        Assert.True(spaced.Json);
        Assert.True(spaced.NoLive);
    }

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("500ms", 500)]
    [InlineData("1m", 60000)]
    [InlineData("2.5", 2500)]
    [InlineData(" 3S ", 3000)]
    public void Durations_take_a_unit_or_plain_seconds(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), CommandLine.Duration("--duration", text));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--tenants 3 --help")]
    public void Help_is_shown_when_asked_for(string commandLine)
    {
        Assert.True(CommandLine.Parse(commandLine.Split(' ')).ShowHelp);
    }

    [Fact]
    public void The_help_text_explains_every_option()
    {
        foreach (string option in new[] { "--tenants", "--duration", "--limit", "--json", "--no-live", "--workers", "--seed", "--help" })
        {
            Assert.Contains(option, CommandLine.HelpText);
        }

        Assert.Contains("dotnet run --project samples/TenantMaps", CommandLine.HelpText);
        Assert.Contains("memory.max", CommandLine.HelpText);
    }

    [Fact]
    public void The_help_text_lists_every_exit_code()
    {
        foreach (string code in new[] { "0 contained", "1 not contained", "2 bad arguments", "3 not tested" })
        {
            Assert.Contains(code, CommandLine.HelpText);
        }
    }

    [Theory]
    [InlineData(new[] { "--frobnicate" }, "--frobnicate")]
    [InlineData(new[] { "--tenants" }, "--tenants needs a value")]
    [InlineData(new[] { "--tenants", "--json" }, "--tenants needs a value")]
    [InlineData(new[] { "--tenants", "three" }, "'three' is not a whole number")]
    [InlineData(new[] { "--tenants", "1" }, "--tenants 1 is invalid")]
    [InlineData(new[] { "--tenants", "65" }, "--tenants 65 is invalid")]
    [InlineData(new[] { "--workers", "0" }, "--workers 0 is invalid")]
    [InlineData(new[] { "--duration", "soon" }, "'soon' is not a duration")]
    [InlineData(new[] { "--duration", "0s" }, "'0s' is invalid")]
    [InlineData(new[] { "--duration", "11m" }, "'11m' is invalid")]
    [InlineData(new[] { "--limit", " " }, "--limit")]
    public void Bad_arguments_are_refused_with_a_message_naming_them(string[] args, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => CommandLine.Parse(args));

        Assert.Contains(expected, e.Message);
    }
}
