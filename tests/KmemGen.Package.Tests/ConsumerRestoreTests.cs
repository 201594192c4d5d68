using KmemGen.Package.Tests.Infrastructure;

namespace KmemGen.Package.Tests;

/// <summary>What NuGet wired into the consumer when it restored KmemGen from the private feed.</summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerRestoreTests(PackageFixture fixture)
{
    [Theory]
    [InlineData("props")]
    [InlineData("targets")]
    public void A_direct_reference_imports_the_buildTransitive_files(string kind)
    {
        string generated = File.ReadAllText(Path.Combine(fixture.Consumer.Directory, "obj", $"{ConsumerProject.ProjectName}.csproj.nuget.g.{kind}"));
        // NuGet 5+ prefers buildTransitive/ over build/, so buildTransitive/ holds the one definition.
        Assert.Contains($"kmemgen/{fixture.Version}/buildTransitive/KmemGen.{kind}", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void KmemGen_was_restored_from_the_private_feed_into_the_isolated_package_folder()
    {
        string packageFolder = Path.Combine(fixture.PackagesDirectory, "kmemgen", fixture.Version);
        Assert.True(Directory.Exists(packageFolder), $"No {packageFolder}: the consumer did not restore into its own NUGET_PACKAGES.");
        Assert.True(File.Exists(Path.Combine(packageFolder, "analyzers", "dotnet", "cs", "KmemGen.Generators.dll")));

        string assets = File.ReadAllText(Path.Combine(fixture.Consumer.Directory, "obj", "project.assets.json"));
        Assert.Contains($"\"KmemGen/{fixture.Version}\"", assets, StringComparison.Ordinal);
    }
}
