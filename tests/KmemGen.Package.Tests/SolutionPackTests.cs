using KmemGen.Package.Tests.Infrastructure;

namespace KmemGen.Package.Tests;

/// <summary>
/// `dotnet pack KmemGen.sln`, the usual CI habit, writes the real packages and nothing else: the projects under
/// src/ (each sets IsPackable), not the Roslyn components, tests, samples or benchmarks.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class SolutionPackTests(PackageFixture fixture)
{
    private static readonly TimeSpan s_packTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Packing_the_solution_produces_exactly_the_src_packages()
    {
        // The fixture has built src/ in Release; --no-build packs those outputs (a project that is not packable
        // needs no output), and the temp folder keeps the packages out of every feed and cache.
        string output = Path.Combine(fixture.WorkRoot, "solution-pack");
        ProcessResult pack = await DotNetCli.RunAsync(
            RepositoryRoot.Path,
            ["pack", "KmemGen.sln", "-c", "Release", "--no-build", "--no-restore", "-o", output, "-tl:off", "--disable-build-servers"],
            s_packTimeout);
        Expect.Succeeded(pack, "dotnet pack KmemGen.sln");

        var expected = Directory.GetDirectories(Path.Combine(RepositoryRoot.Path, "src"))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList();
        var packed = Directory.GetFiles(output, "*.nupkg")
            .Select(f => Path.GetFileNameWithoutExtension(f)!)
            .Select(name => string.Join('.', name.Split('.').TakeWhile(part => !int.TryParse(part, out _))))
            .Order(StringComparer.Ordinal)
            .ToList();

        Expect.That(packed.SequenceEqual(expected), pack, $"Expected the packages {string.Join(", ", expected)}; got {string.Join(", ", packed)}.");
        Expect.That(Directory.GetFiles(output, "*.snupkg").Length == packed.Count, pack, "Each package must come with its symbol package.");
    }
}
