namespace KmemGen.Package.Tests.Infrastructure;

public static class RepositoryRoot
{
    /// <summary>The folder holding KmemGen.sln, found by walking up from the test assembly.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "KmemGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No KmemGen.sln above '{AppContext.BaseDirectory}': the package tests run from the repository.");
    }
}
