namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>Assertions on a child process that always show its full output when they fail.</summary>
public static class Expect
{
    public static void Succeeded(ProcessResult result, string what)
    {
        Assert.True(result.Succeeded, $"Expected success: {what}.\n{result.Describe()}");
    }

    public static void Failed(ProcessResult result, string what)
    {
        Assert.False(result.Succeeded, $"Expected failure: {what}.\n{result.Describe()}");
    }

    public static void That(bool condition, ProcessResult result, string what)
    {
        Assert.True(condition, $"{what}\n{result.Describe()}");
    }

    /// <summary>The KMEM/CS/... diagnostics of a build, distinct.</summary>
    public static IReadOnlyList<BuildDiagnostic> Diagnostics(ProcessResult build, string id) =>
        BuildDiagnostic.Parse(build.Output).Where(d => d.Id == id).ToList();

    public static void NoWarnings(ProcessResult build, string what)
    {
        var warnings = BuildDiagnostic.Parse(build.Output).Where(d => d.Severity == "warning").ToList();
        Assert.True(warnings.Count == 0, $"Expected no warnings: {what}; got {warnings.Count}.\n{build.Describe()}");
    }

    /// <summary>The value of a `name=value` line a consumer program printed.</summary>
    public static long PrintedValue(ProcessResult run, string name)
    {
        string prefix = name + "=";
        string? line = run.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null && long.TryParse(line[prefix.Length..], out _), $"The program printed no '{prefix}<number>' line.\n{run.Describe()}");
        return long.Parse(line![prefix.Length..]);
    }
}
