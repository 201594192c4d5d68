namespace KmemGen.Samples.Quickstart;

/// <summary>
/// The quickstart's command line: it takes no options but --help. Anything else is refused before
/// the tour starts, with exit code 2 and a message naming the argument, so a mistyped flag is never
/// silently ignored.
/// </summary>
public static class QuickstartArguments
{
    public const string Usage = "usage: dotnet run --project samples/Quickstart   (no options: the five-step tour of the allocator and one cgroup)";

    /// <summary>Null when the tour should run; otherwise the exit code: 0 after printing --help, 2 for anything else.</summary>
    public static int? Check(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args.Count == 0) return null;
        if (args.Count == 1 && args[0] is ("--help" or "-h"))
        {
            output.WriteLine(Usage);
            return 0;
        }
        error.WriteLine($"Quickstart: unknown argument '{args[0]}': the quickstart takes no options. See --help.");
        return 2;
    }
}
