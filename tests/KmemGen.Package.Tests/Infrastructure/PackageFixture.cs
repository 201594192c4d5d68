namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>
/// Packs the KmemGen runtime once per test run into a private feed with a version no cache has ever seen,
/// and restores one consumer project against it; the tests then vary that consumer by rewriting its files.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(4);

    public PackageFixture()
    {
        // A prerelease version unique to this run: the consumer can only resolve the package packed just
        // now, never an older KmemGen from a cache or a feed.
        Version = $"0.1.0-e2e.{DateTime.UtcNow.Ticks}";
        WorkRoot = Path.Combine(Path.GetTempPath(), $"kmemgen-e2e-{Guid.NewGuid():N}");
        FeedDirectory = Path.Combine(WorkRoot, "feed");
        PackagesDirectory = Path.Combine(WorkRoot, "packages");
    }

    /// <summary>Outside the repository, so the repository's Directory.Build.props and global.json do not apply.</summary>
    public string WorkRoot { get; }

    public string FeedDirectory { get; }

    /// <summary>The consumer's NUGET_PACKAGES: empty at the start of the run, so nothing stale can be served.</summary>
    public string PackagesDirectory { get; }

    public string Version { get; }

    public string PackagePath => Path.Combine(FeedDirectory, $"KmemGen.{Version}.nupkg");

    public string SymbolPackagePath => Path.Combine(FeedDirectory, $"KmemGen.{Version}.snupkg");

    public ProcessResult? PackResult { get; private set; }

    public ConsumerProject Consumer => consumer ?? throw new InvalidOperationException("The fixture was not initialized.");

    private ConsumerProject? consumer;
    private readonly Dictionary<string, Task<ProcessResult>> scenarios = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="scenario"/> once for all the tests that assert on it (one build, several checks).
    /// The tests of the collection run one at a time, so no lock is needed.
    /// </summary>
    public Task<ProcessResult> Once(string key, Func<Task<ProcessResult>> scenario)
    {
        if (!scenarios.TryGetValue(key, out Task<ProcessResult>? run))
        {
            run = scenario();
            scenarios[key] = run;
        }

        return run;
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(FeedDirectory);
        Directory.CreateDirectory(PackagesDirectory);
        string project = Path.Combine(RepositoryRoot.Path, "src", "KmemGen", "KmemGen.csproj");

        // Restore exactly as a normal build does (a no-op after `dotnet build`), then pack without restoring:
        // a version passed to restore would rewrite the repository's obj/ assets of four projects every run.
        ProcessResult restore = await DotNetCli.RunAsync(RepositoryRoot.Path, ["restore", project, "-tl:off", "--disable-build-servers"], PackTimeout);
        if (!restore.Succeeded)
        {
            throw new InvalidOperationException("Restoring the KmemGen project failed.\n" + restore.Describe());
        }

        // PackageVersion (not Version) names the package without changing the assemblies' version, so an
        // up-to-date Release build of the four projects is reused instead of recompiled every run. The
        // per-version nuspec goes to the temp folder, not to the repository's obj/.
        PackResult = await DotNetCli.RunAsync(
            RepositoryRoot.Path,
            ["pack", project, "-c", "Release", "--no-restore", "-o", FeedDirectory, $"-p:PackageVersion={Version}",
             $"-p:NuspecOutputPath={Path.Combine(WorkRoot, "nuspec")}{Path.DirectorySeparatorChar}", "-tl:off", "--disable-build-servers"],
            PackTimeout);
        if (!PackResult.Succeeded || !File.Exists(PackagePath))
        {
            throw new InvalidOperationException($"Packing KmemGen {Version} into {FeedDirectory} failed.\n" + PackResult.Describe());
        }

        consumer = await ConsumerProject.CreateAsync(Path.Combine(WorkRoot, "consumer"), FeedDirectory, PackagesDirectory, Version);
    }

    public Task DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("KMEMGEN_E2E_KEEP") == "1")
        {
            Console.WriteLine($"KMEMGEN_E2E_KEEP=1: leaving {WorkRoot}");
            return Task.CompletedTask;
        }

        try
        {
            Directory.Delete(WorkRoot, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is not a test failure.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    // One collection: the package is packed once, and the tests, which share one consumer folder and build
    // heavy projects on 2 cores, run one after another.
    public const string Name = "KmemGen package";
}
