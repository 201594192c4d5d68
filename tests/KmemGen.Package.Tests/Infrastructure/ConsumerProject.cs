namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>
/// A fresh console app, outside the repository, that references KmemGen from the private feed only.
/// Restored once; each test rewrites its sources, .editorconfig and project properties, then builds.
/// </summary>
public sealed class ConsumerProject
{
    private static readonly TimeSpan s_restoreTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(1);

    public const string ProjectName = "Consumer";

    private readonly string _packageVersion;
    private readonly Dictionary<string, string> _environment;

    private ConsumerProject(string directory, string packagesDirectory, string packageVersion)
    {
        Directory = directory;
        _packageVersion = packageVersion;
        _environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packagesDirectory };
    }

    public string Directory { get; }

    /// <summary>What every process run on the consumer needs: its own NUGET_PACKAGES.</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    public static async Task<ConsumerProject> CreateAsync(string directory, string feedDirectory, string packagesDirectory, string packageVersion)
    {
        System.IO.Directory.CreateDirectory(directory);
        var project = new ConsumerProject(directory, packagesDirectory, packageVersion);

        // Empty Directory.Build.* files stop MSBuild's upward search, so nothing in a parent of the temp
        // folder can configure the consumer: it sees only what the package brings.
        project.Write("Directory.Build.props", "<Project />\n");
        project.Write("Directory.Build.targets", "<Project />\n");
        project.Write("Directory.Packages.props", "<Project />\n");
        // The private feed serves KmemGen and only KmemGen (source mapping); everything else would come from
        // the normal feed.
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
            throw new InvalidOperationException($"Restoring the consumer project against KmemGen {packageVersion} failed.\n" + restore.Describe());
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
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="KmemGen" Version="{_packageVersion}" />
              </ItemGroup>
            </Project>
            """);
    }

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
