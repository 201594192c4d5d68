using KmemGen.Package.Tests.Infrastructure;

namespace KmemGen.Package.Tests;

/// <summary>KMEM0001 as a user meets it: in the build output, with its help link, and configurable.</summary>
[Collection(PackageCollection.Name)]
public sealed class DiagnosticConfigurationTests(PackageFixture fixture)
{
    // Packed without KmemGenHelpLinkBase, the links are the rule pages of the checkout that packed it.
    private static readonly string s_helpLink = new Uri(Path.Combine(RepositoryRoot.Path, "docs", "rules", "KMEM0001.md")).AbsoluteUri;

    /// <summary>
    /// One build, default options: an unaccounted kmalloc in Program.cs and two deliberately suppressed ones.
    /// </summary>
    private Task<ProcessResult> BuildWithDefaultOptions() => fixture.Once("default-options", async () =>
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset();
        consumer.Write("Program.cs", ConsumerSources.UnaccountedKmalloc);
        consumer.Write("PragmaSuppressed.cs", ConsumerSources.PragmaSuppressed);
        consumer.Write("AttributeSuppressed.cs", ConsumerSources.AttributeSuppressed);
        return await consumer.BuildAsync();
    });

    [Fact]
    public async Task By_default_an_unaccounted_kmalloc_is_a_KMEM0001_warning_with_its_help_link()
    {
        ProcessResult build = await BuildWithDefaultOptions();
        Expect.Succeeded(build, "a warning does not fail the build");

        var inProgram = Expect.Diagnostics(build, "KMEM0001").Where(d => d.File == "Program.cs").ToList();
        Expect.That(inProgram.Count == 1, build, $"Expected one KMEM0001 in Program.cs, found {inProgram.Count}.");
        BuildDiagnostic kmem0001 = inProgram[0];
        Expect.That(kmem0001.Severity == "warning", build, $"KMEM0001 must default to a warning, was {kmem0001.Severity}.");
        Expect.That(kmem0001.Line == ConsumerSources.UnaccountedKmallocLine, build, $"KMEM0001 must point at line {ConsumerSources.UnaccountedKmallocLine}, was {kmem0001.Line}.");
        Expect.That(kmem0001.HelpLink == s_helpLink, build, $"KMEM0001 must carry the help link {s_helpLink}, had '{kmem0001.HelpLink}'.");
        Expect.That(File.Exists(new Uri(s_helpLink).LocalPath), build, $"The help link {s_helpLink} must open a page.");
    }

    [Fact]
    public async Task A_pragma_warning_disable_silences_KMEM0001()
    {
        ProcessResult build = await BuildWithDefaultOptions();
        var all = Expect.Diagnostics(build, "KMEM0001");
        // The unsuppressed one proves the analyzer ran in this very build.
        Expect.That(all.Any(d => d.File == "Program.cs"), build, "KMEM0001 did not fire at all, so suppression cannot be judged.");
        Expect.That(!all.Any(d => d.File == "PragmaSuppressed.cs"), build, "#pragma warning disable KMEM0001 was not honoured.");
    }

    [Fact]
    public async Task A_SuppressMessage_attribute_silences_KMEM0001()
    {
        ProcessResult build = await BuildWithDefaultOptions();
        var all = Expect.Diagnostics(build, "KMEM0001");
        Expect.That(all.Any(d => d.File == "Program.cs"), build, "KMEM0001 did not fire at all, so suppression cannot be judged.");
        Expect.That(!all.Any(d => d.File == "AttributeSuppressed.cs"), build, "[SuppressMessage(..., \"KMEM0001\")] was not honoured.");
    }

    [Fact]
    public async Task Editorconfig_severity_error_fails_the_build()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset();
        consumer.Write("Program.cs", ConsumerSources.UnaccountedKmalloc);
        consumer.Write(".editorconfig", ConsumerSources.EditorConfigSeverity("KMEM0001", "error"));

        ProcessResult build = await consumer.BuildAsync();
        Expect.Failed(build, "dotnet_diagnostic.KMEM0001.severity = error with an unaccounted kmalloc");
        Expect.That(Expect.Diagnostics(build, "KMEM0001").Any(d => d.Severity == "error" && d.File == "Program.cs"), build, "Expected 'error KMEM0001' in Program.cs.");
    }

    [Fact]
    public async Task Editorconfig_severity_none_silences_KMEM0001()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset();
        consumer.Write("Program.cs", ConsumerSources.UnaccountedKmalloc);
        consumer.Write(".editorconfig", ConsumerSources.EditorConfigSeverity("KMEM0001", "none"));

        ProcessResult build = await consumer.BuildAsync();
        Expect.Succeeded(build, "dotnet_diagnostic.KMEM0001.severity = none");
        // Control: the very same Program.cs warns without the .editorconfig line.
        ProcessResult control = await BuildWithDefaultOptions();
        Expect.That(Expect.Diagnostics(control, "KMEM0001").Any(d => d.File == "Program.cs"), control, "KMEM0001 does not fire by default, so silencing it proves nothing.");
        Expect.That(Expect.Diagnostics(build, "KMEM0001").Count == 0, build, "KMEM0001 still reported with severity = none.");
    }

    [Fact]
    public async Task The_strict_analysis_mode_makes_KMEM0001_an_error()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset("<KmemGenAnalysisMode>strict</KmemGenAnalysisMode>");
        consumer.Write("Program.cs", ConsumerSources.UnaccountedKmalloc);

        ProcessResult build = await consumer.BuildAsync();
        Expect.Failed(build, "KmemGenAnalysisMode=strict with an unaccounted kmalloc");
        Expect.That(Expect.Diagnostics(build, "KMEM0001").Any(d => d.Severity == "error"), build, "Expected 'error KMEM0001' from the strict preset.");
    }

    [Fact]
    public async Task The_projects_own_editorconfig_wins_over_the_strict_preset()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset("<KmemGenAnalysisMode>strict</KmemGenAnalysisMode>");
        consumer.Write("Program.cs", ConsumerSources.UnaccountedKmalloc);
        consumer.Write(".editorconfig", ConsumerSources.EditorConfigSeverity("KMEM0001", "none"));

        ProcessResult build = await consumer.BuildAsync();
        // The presets are global configs at global_level -100; an .editorconfig section always overrides a
        // global config, so a team can adopt strict and still switch single rules off.
        Expect.Succeeded(build, "strict preset with dotnet_diagnostic.KMEM0001.severity = none in .editorconfig");
        Expect.That(Expect.Diagnostics(build, "KMEM0001").Count == 0, build, "The strict preset overrode the project's own .editorconfig.");
    }

    [Fact]
    public async Task A_misspelt_analysis_mode_is_an_error_naming_the_accepted_values()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset("<KmemGenAnalysisMode>strcit</KmemGenAnalysisMode>");
        consumer.Write("Program.cs", "System.Console.WriteLine();\n");

        ProcessResult build = await consumer.BuildAsync();
        Expect.Failed(build, "KmemGenAnalysisMode=strcit");
        Expect.That(build.Output.Contains("KMEMCFG0001", StringComparison.Ordinal)
            && build.Output.Contains("'strcit' is not one of: none, recommended, strict", StringComparison.Ordinal), build, "Expected KMEMCFG0001 naming the bad value and the accepted ones.");

        // The message names the rule page shipped inside the installed package.
        string page = Path.Combine(fixture.PackagesDirectory, "kmemgen", fixture.Version, "docs", "rules", "KMEMCFG0001.md");
        Expect.That(build.Output.Contains("See " + page, StringComparison.Ordinal), build, $"Expected KMEMCFG0001 to point at {page}.");
        Expect.That(File.Exists(page) && File.ReadAllText(page).StartsWith("# KMEMCFG0001:", StringComparison.Ordinal), build, $"{page} must be the rule's page.");
    }
}
