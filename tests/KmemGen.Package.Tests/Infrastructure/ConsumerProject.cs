namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>
/// A fresh console app, outside the repository, that references KmemGen (or, as a web app,
/// KmemGen.AspNetCore) from the private feed only. Restored once; each test rewrites its sources,
/// .editorconfig and project properties, then builds.
/// </summary>
public sealed class ConsumerProject
{
    private static readonly TimeSpan s_restoreTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(2);

    public const string ProjectName = "Consumer";

    private readonly string _packageVersion;
    private readonly bool _aspNetCore;
    private readonly Dictionary<string, string> _environment;

    private ConsumerProject(string directory, string packagesDirectory, string packageVersion, bool aspNetCore)
    {
        Directory = directory;
        _packageVersion = packageVersion;
        _aspNetCore = aspNetCore;
        _environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packagesDirectory };
    }

    public string Directory { get; }

    /// <summary>What every process run on the consumer needs: its own NUGET_PACKAGES.</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>Creates and restores the project; <paramref name="aspNetCore"/> makes it a web app
    /// (Microsoft.NET.Sdk.Web) referencing KmemGen.AspNetCore only, so KmemGen must come with it.</summary>
    public static async Task<ConsumerProject> CreateAsync(string directory, string feedDirectory, string packagesDirectory, string packageVersion, bool aspNetCore = false)
    {
        System.IO.Directory.CreateDirectory(directory);
        var project = new ConsumerProject(directory, packagesDirectory, packageVersion, aspNetCore);

        // Empty Directory.Build.* files stop MSBuild's upward search, so nothing in a parent of the temp
        // folder can configure the consumer: it sees only what the package brings.
        project.Write("Directory.Build.props", "<Project />\n");
        project.Write("Directory.Build.targets", "<Project />\n");
        project.Write("Directory.Packages.props", "<Project />\n");
        // The private feed serves KmemGen's packages and only those (source mapping); everything else would
        // come from the normal feed.
        project.Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="kmemgen-e2e" value="{feedDirectory}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="kmemgen-e2e">
                  <package pattern="KmemGen" />
                  <package pattern="KmemGen.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        project.Reset();
        project.Write("Program.cs", "System.Console.WriteLine(\"restored\");\n");

        ProcessResult restore = await project.DotNetAsync(["restore", "-tl:off", "--disable-build-servers"], s_restoreTimeout);
        if (!restore.Succeeded)
        {
            throw new InvalidOperationException($"Restoring the consumer project against {project.PackageId} {packageVersion} failed.\n" + restore.Describe());
        }

        return project;
    }

    /// <summary>
    /// Back to a plain console app: removes every source file and .editorconfig, and rewrites the project
    /// file with <paramref name="extraProperties"/> (MSBuild property elements) in its property group.
    /// </summary>
    public void Reset(string extraProperties = "")
    {
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*.cs"))
        {
            File.Delete(file);
        }

        File.Delete(Path.Combine(Directory, ".editorconfig"));
        Write($"{ProjectName}.csproj", $"""
            <Project Sdk="{(_aspNetCore ? "Microsoft.NET.Sdk.Web" : "Microsoft.NET.Sdk")}">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{PackageId}" Version="{_packageVersion}" />
              </ItemGroup>
            </Project>
            """);
    }

    /// <summary>The one package the project references.</summary>
    public string PackageId => _aspNetCore ? "KmemGen.AspNetCore" : "KmemGen";

    public void Write(string relativePath, string content) =>
        File.WriteAllText(Path.Combine(Directory, relativePath), content);

    public string Read(string relativePath) =>
        File.ReadAllText(Path.Combine(Directory, relativePath));

    /// <summary>
    /// A full rebuild (every diagnostic is reported again, not skipped as up to date) on the one restore.
    /// </summary>
    public Task<ProcessResult> BuildAsync() =>
        DotNetAsync(["build", "--no-restore", "--no-incremental", "-tl:off", "--disable-build-servers", "-v:minimal"], s_buildTimeout);

    /// <summary>Runs the program built by <see cref="BuildAsync"/>.</summary>
    public Task<ProcessResult> RunAsync() =>
        DotNetAsync([Path.Combine("bin", "Debug", "net10.0", ProjectName + ".dll")], s_runTimeout);

    public Task<ProcessResult> DotNetAsync(IReadOnlyList<string> arguments, TimeSpan timeout) =>
        DotNetCli.RunAsync(Directory, arguments, timeout, _environment);
}
