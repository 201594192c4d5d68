using KmemGen.Samples.TenantGateway.Cli;
using KmemGen.Samples.TenantGateway.Runs;

namespace KmemGen.Samples.TenantGateway;

/// <summary>Parses the flags, runs the chosen mode, renders; exit 0 = the run met its goal, 1 = it did not, 2 = bad flags.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        CommandLine commandLine;
        try
        {
            commandLine = CommandLine.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"TenantGateway: {e.Message}");
            return 2;
        }

        if (commandLine.ShowHelp)
        {
            Console.WriteLine(CommandLine.HelpText);
            return 0;
        }

        GatewayOptions options = commandLine.Options;
        try
        {
            return options.Mode == RunMode.Flood
                ? await FloodRun.RunAsync(options, Console.Out)
                : await CompareRun.RunAsync(options, Console.Out);
        }
        catch (ArgumentException e)
        {
            // A limit the cgroup refuses (memory.max syntax) surfaces only when the cgroups are made.
            await Console.Error.WriteLineAsync($"TenantGateway: {e.Message}");
            return 2;
        }
    }
}
