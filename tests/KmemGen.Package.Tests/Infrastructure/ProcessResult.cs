namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>What one child process did: the command, its exit code and everything it printed.</summary>
public sealed record ProcessResult(string CommandLine, string WorkingDirectory, int ExitCode, string Output, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The full record, for assertion messages: a failing e2e test must show what the tool said.</summary>
    public string Describe() =>
        $"""
        $ {CommandLine}
          (in {WorkingDirectory}, exit code {ExitCode}, {Elapsed.TotalSeconds:F1} s)
        ----- output -----
        {Output}
        ------------------
        """;
}
