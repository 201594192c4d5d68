using System.Diagnostics;
using System.Text;

namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>
/// Runs the dotnet CLI as a child process with a hard timeout, a clean environment and no build servers.
/// </summary>
public static class DotNetCli
{
    /// <summary>
    /// Runs <c>dotnet {arguments}</c> in <paramref name="workingDirectory"/>. On timeout the whole process tree
    /// is killed and a <see cref="TimeoutException"/> carries everything printed so far.
    /// </summary>
    public static Task<ProcessResult> RunAsync(
        string workingDirectory,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null) =>
        RunProgramAsync("dotnet", workingDirectory, arguments, timeout, environment);

    /// <summary>The same for another program (a script that drives the dotnet CLI), in the same clean environment.</summary>
    public static async Task<ProcessResult> RunProgramAsync(
        string program,
        string workingDirectory,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        PrepareEnvironment(start.Environment, environment);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        // Both streams go to one buffer in arrival order: compiler diagnostics come on stdout, MSBuild
        // and NuGet failures sometimes on stderr, and a reader needs them interleaved.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };

        string commandLine = program + " " + string.Join(' ', arguments.Select(Quote));
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Never leave a build running behind a failed test (2 shared cores).
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync();
            string partial;
            lock (output) { partial = output.ToString(); }
            var timedOut = new ProcessResult(commandLine, workingDirectory, -1, partial, clock.Elapsed);
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:F0} s.\n{timedOut.Describe()}");
        }

        // WaitForExitAsync returns after the redirected streams reached EOF, so the buffer is complete.
        string text;
        lock (output) { text = output.ToString(); }
        return new ProcessResult(commandLine, workingDirectory, process.ExitCode, text, clock.Elapsed);
    }

    internal static void PrepareEnvironment(IDictionary<string, string?> env, IReadOnlyDictionary<string, string>? extra)
    {
        // The test host runs under `dotnet test`, which exports MSBuild's own paths (MSBuildSDKsPath,
        // MSBUILD_EXE_PATH, MSBuildExtensionsPath...) and VSTest variables. A child build inheriting them
        // may load the wrong SDK pieces, so it starts from a clean slate the way a user's shell would.
        foreach (string key in env.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
                || key.Equals("NUGET_PACKAGES", StringComparison.OrdinalIgnoreCase))
            {
                env.Remove(key);
            }
        }

        env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        env["DOTNET_NOLOGO"] = "1";
        env["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        env["DOTNET_CLI_UI_LANGUAGE"] = "en";
        // No MSBuild node reuse and no MSBuild server: every child exits when its command does.
        env["MSBUILDDISABLENODEREUSE"] = "1";
        env["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                env[key] = value;
            }
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && !argument.Any(char.IsWhiteSpace) ? argument : $"\"{argument}\"";
}
