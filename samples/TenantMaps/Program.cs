using KmemGen.Samples.TenantMaps;
using KmemGen.Samples.TenantMaps.Cli;
using KmemGen.Samples.TenantMaps.Reporting;

// Program only parses arguments and renders; the sample itself is SampleRun (tests call it directly).
CommandLine commandLine;
try
{
    commandLine = CommandLine.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"TenantMaps: {ErrorText.Of(e)}");
    return 2;
}

if (commandLine.ShowHelp)
{
    Console.WriteLine(CommandLine.HelpText);
    return 0;
}

SampleOptions options = commandLine.Options;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

SampleRun run;
try
{
    run = new SampleRun(options);
}
catch (ArgumentException e)
{
    // A --limit the cgroup refuses (its message names memory.max and the value), or one too small
    // for the tenants' maps to exist at all.
    Console.Error.WriteLine($"TenantMaps: {ErrorText.Of(e)}");
    return 2;
}

using (run)
{
    bool terminal = !Console.IsOutputRedirected;
    LiveView? live = options.Json || options.NoLive ? null : new LiveView(Console.Out, terminal, TerminalWidth.Read);
    Task<RunReport> running = run.RunAsync(cancel.Token);
    if (live is not null)
    {
        while (!running.IsCompleted)
        {
            live.Render(run.Snapshot());
            await Task.WhenAny(running, Task.Delay(live.Interval)).ConfigureAwait(false);
        }
    }

    RunReport report = await running.ConfigureAwait(false);
    if (options.Json)
    {
        Console.WriteLine(ReportJson.Serialize(report));
    }
    else
    {
        SummaryWriter.Write(Console.Out, report, terminal ? TerminalWidth.Read() : int.MaxValue);
    }

    return RunOutcomes.ExitCode(report.Outcome);
}
