using System.Runtime.CompilerServices;

namespace KmemGen.Testing;

/// <summary>The checkout the tests were compiled from, found above this source file.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string path = "")
    {
        for (var dir = Path.GetDirectoryName(path); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "KmemGen.sln")))
            {
                return dir;
            }
        }
        throw new DirectoryNotFoundException("KmemGen.sln not found above " + path);
    }
}
