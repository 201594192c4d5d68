using KmemGen.Package.Tests.Infrastructure;

namespace KmemGen.Package.Tests;

/// <summary>What eng/pack-local.sh (`dotnet pack src/KmemGen -c Release`) puts in the package, and what it must leave out.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackageFixture fixture)
{
    private const string AnalyzerFolder = "analyzers/dotnet/cs/";

    // The host compiler supplies Roslyn; a Roslyn component compiled against a newer one than the user's
    // compiler is silently not loaded (CS9057). 4.8.0 is the .NET 8 SDK / VS 17.8 compiler.
    private static readonly Version s_newestRoslynReference = new(4, 8, 0, 0);

    [Fact]
    public void The_runtime_ships_in_lib_with_its_xml_docs_and_the_symbols_in_a_snupkg()
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        Assert.Contains("lib/net10.0/KmemGen.dll", package.Entries);
        Assert.Contains("lib/net10.0/KmemGen.xml", package.Entries);
        Assert.DoesNotContain(package.Entries, e => e.EndsWith(".pdb", StringComparison.Ordinal));

        Assert.True(File.Exists(fixture.SymbolPackagePath), $"No symbol package beside the package:\n{fixture.PackResult?.Describe()}");
        using var symbols = new NuGetPackage(fixture.SymbolPackagePath);
        Assert.Contains("lib/net10.0/KmemGen.pdb", symbols.Entries);
    }

    [Theory]
    [InlineData("KmemGen.Generators.dll")]
    [InlineData("KmemGen.Analyzers.dll")]
    [InlineData("KmemGen.CodeFixes.dll")]
    public void Each_Roslyn_component_ships_under_analyzers_dotnet_cs(string assembly)
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        Assert.True(package.Entries.Contains(AnalyzerFolder + assembly), $"{AnalyzerFolder}{assembly} missing from:\n{package.Listing}");
        // Not in lib/: a consumer must not get a compile-time reference to a Roslyn component.
        Assert.DoesNotContain(package.Entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.EndsWith(assembly, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("KmemGen.Generators.dll")]
    [InlineData("KmemGen.Analyzers.dll")]
    [InlineData("KmemGen.CodeFixes.dll")]
    public void No_Roslyn_component_references_a_compiler_newer_than_4_8(string assembly)
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        var roslyn = package.AssemblyReferences(AnalyzerFolder + assembly)
            .Where(r => r.Name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(roslyn);
        Assert.All(roslyn, r => Assert.True(r.Version <= s_newestRoslynReference, $"{assembly} references {r.Name} {r.Version}: newer than {s_newestRoslynReference}, so .NET 8 SDKs would not load it (CS9057)."));
    }

    [Fact]
    public void The_analyzer_assembly_does_not_reference_Workspaces_only_the_code_fixes_do()
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        static bool IsWorkspaces((string Name, Version Version) r) => r.Name.StartsWith("Microsoft.CodeAnalysis.Workspaces", StringComparison.Ordinal)
            || r.Name.StartsWith("Microsoft.CodeAnalysis.CSharp.Workspaces", StringComparison.Ordinal);

        // RS1038: a host without Workspaces (the command-line compiler) could not load the analyzers.
        Assert.DoesNotContain(package.AssemblyReferences(AnalyzerFolder + "KmemGen.Analyzers.dll"), IsWorkspaces);
        Assert.DoesNotContain(package.AssemblyReferences(AnalyzerFolder + "KmemGen.Generators.dll"), IsWorkspaces);
    }

    [Fact]
    public void Roslyn_itself_is_not_packed_the_host_compiler_provides_it()
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        Assert.DoesNotContain(package.Entries, e => Path.GetFileName(e).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        Assert.DoesNotContain(package.Entries, e => Path.GetFileName(e).StartsWith("System.Collections.Immutable", StringComparison.Ordinal));
    }

    [Fact]
    public void The_nuspec_carries_license_readme_repository_and_no_dependencies()
    {
        using var package = new NuGetPackage(fixture.PackagePath);

        Assert.Equal("KmemGen", package.MetadataElement("id")?.Value);
        Assert.Equal(fixture.Version, package.MetadataElement("version")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(package.MetadataElement("description")?.Value));
        Assert.False(string.IsNullOrWhiteSpace(package.MetadataElement("authors")?.Value));
        Assert.Contains("slab", package.MetadataElement("tags")?.Value ?? "", StringComparison.Ordinal);

        var license = package.MetadataElement("license");
        Assert.Equal("expression", license?.Attribute("type")?.Value);
        Assert.Equal("MIT", license?.Value);

        Assert.Equal("README.md", package.MetadataElement("readme")?.Value);
        Assert.Contains("README.md", package.Entries);
        Assert.Contains("KmemGen", package.ReadText("README.md"), StringComparison.Ordinal);

        Assert.Equal("https://github.com/kmemgen/kmemgen", package.MetadataElement("repository")?.Attribute("url")?.Value);

        // A runtime library: consumers need lib/ at run time, so it must flow like any other dependency.
        Assert.Null(package.MetadataElement("developmentDependency"));

        // The Roslyn components travel inside the package; they must not turn into package dependencies.
        var dependencies = package.MetadataElement("dependencies")?.Descendants().Where(e => e.Name.LocalName == "dependency").ToList() ?? [];
        Assert.True(dependencies.Count == 0, "Unexpected dependencies: " + string.Join(", ", dependencies.Select(d => d.Attribute("id")?.Value)));
    }

    [Theory]
    [InlineData("build/KmemGen.props")]
    [InlineData("buildTransitive/KmemGen.props")]
    public void The_props_make_KmemAccounting_visible_to_the_generator(string entry)
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        string props = package.ReadText(entry);
        if (entry.StartsWith("build/", StringComparison.Ordinal))
        {
            // build/ forwards to the one definition in buildTransitive/.
            Assert.Contains(@"..\buildTransitive\KmemGen.props", props, StringComparison.Ordinal);
            props = package.ReadText("buildTransitive/KmemGen.props");
        }

        Assert.Contains("<CompilerVisibleProperty Include=\"KmemAccounting\" />", props, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("configuration/recommended.editorconfig")]
    [InlineData("configuration/strict.editorconfig")]
    public void The_editorconfig_presets_ship_as_global_configs(string entry)
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        Assert.True(package.Entries.Contains(entry), $"{entry} missing from:\n{package.Listing}");
        var keys = EditorConfig.Parse(package.ReadText(entry));
        Assert.Equal("true", keys.GetValueOrDefault("is_global"));
        Assert.Equal("-100", keys.GetValueOrDefault("global_level"));
        Assert.Contains(keys, k => k.Key.StartsWith("dotnet_diagnostic.KMEM", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_rule_page_ships_under_docs_rules()
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        var pages = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "docs", "rules"), "*.md").Select(Path.GetFileName).ToList();
        Assert.Contains("KMEMCFG0001.md", pages);
        Assert.All(pages, page => Assert.True(package.Entries.Contains("docs/rules/" + page), $"docs/rules/{page} missing from:\n{package.Listing}"));
    }
}
