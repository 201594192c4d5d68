namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>
/// Packs KmemGen once per test run the documented way (eng/pack-local.sh: a version no cache has ever seen)
/// into a private feed, and restores one consumer project against it; the tests then vary that consumer by
/// rewriting its files.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    // Restore and pack (two packages), while `dotnet test KmemGen.sln` runs the other test projects on the same 2 cores: 4 minutes
    // proved too short there.
    private static readonly TimeSpan s_packTimeout = TimeSpan.FromMinutes(10);

    public PackageFixture()
    {
        WorkRoot = Path.Combine(Path.GetTempPath(), $"kmemgen-e2e-{Guid.NewGuid():N}");
        FeedDirectory = Path.Combine(WorkRoot, "feed");
        PackagesDirectory = Path.Combine(WorkRoot, "packages");
    }

    /// <summary>Outside the repository, so the repository's Directory.Build.props and global.json do not apply.</summary>
    public string WorkRoot { get; }

    public string FeedDirectory { get; }

    /// <summary>The consumer's NUGET_PACKAGES: empty at the start of the run, so nothing stale can be served.</summary>
    public string PackagesDirectory { get; }

    /// <summary>
    /// The prerelease version eng/pack-local.sh gave this run's package: the consumer can only resolve the
    /// package packed just now, never an older KmemGen from a cache or a feed.
    /// </summary>
    public string Version => _version ?? throw new InvalidOperationException("The fixture was not initialized.");

    private string? _version;

    public string PackagePath => Path.Combine(FeedDirectory, $"KmemGen.{Version}.nupkg");

    public string AspNetCorePackagePath => Path.Combine(FeedDirectory, $"KmemGen.AspNetCore.{Version}.nupkg");

    public string SymbolPackagePath => Path.Combine(FeedDirectory, $"KmemGen.{Version}.snupkg");

    public ProcessResult? PackResult { get; private set; }

    public ConsumerProject Consumer => _consumer ?? throw new InvalidOperationException("The fixture was not initialized.");

    private ConsumerProject? _consumer;
    private Task<ConsumerProject>? _aspNetCoreConsumer;

    /// <summary>A web app that references KmemGen.AspNetCore only, restored on first use (in its own folder).</summary>
    public Task<ConsumerProject> AspNetCoreConsumerAsync() =>
        _aspNetCoreConsumer ??= ConsumerProject.CreateAsync(
            Path.Combine(WorkRoot, "web-consumer"), FeedDirectory, PackagesDirectory, Version, aspNetCore: true);

    private readonly Dictionary<string, Task<ProcessResult>> _scenarios = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="scenario"/> once for all the tests that assert on it (one build, several checks).
    /// The tests of the collection run one at a time, so no lock is needed.
    /// </summary>
    public Task<ProcessResult> Once(string key, Func<Task<ProcessResult>> scenario)
    {
        if (!_scenarios.TryGetValue(key, out Task<ProcessResult>? run))
        {
            run = scenario();
            _scenarios[key] = run;
        }

        return run;
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(FeedDirectory);
        Directory.CreateDirectory(PackagesDirectory);
        // The documented local path: restore, then pack with a unique version (see the script's comments).
        PackResult = await DotNetCli.RunProgramAsync(
            "bash",
            RepositoryRoot.Path,
            [Path.Combine(RepositoryRoot.Path, "eng", "pack-local.sh"), "--feed", FeedDirectory],
            s_packTimeout);
        const string VersionLine = "version=";
        _version = PackResult.Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(VersionLine, StringComparison.Ordinal))?[VersionLine.Length..];
        if (!PackResult.Succeeded || _version is null || !File.Exists(PackagePath) || !File.Exists(AspNetCorePackagePath))
        {
            throw new InvalidOperationException($"eng/pack-local.sh --feed {FeedDirectory} failed.\n" + PackResult.Describe());
        }

        _consumer = await ConsumerProject.CreateAsync(Path.Combine(WorkRoot, "consumer"), FeedDirectory, PackagesDirectory, Version);
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
