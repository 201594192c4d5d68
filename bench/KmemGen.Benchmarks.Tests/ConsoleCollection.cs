namespace KmemGen.Benchmarks.Tests;

/// <summary>Tests that redirect Console.Out or Console.Error (process-wide) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";
}

/// <summary>Runs an action with Console.Out or Console.Error captured; use only in <see cref="ConsoleCollection"/>.</summary>
internal static class ConsoleCapture
{
    public static string Output(Action action) => Capture(action, Console.Out, Console.SetOut);

    public static string Error(Action action) => Capture(action, Console.Error, Console.SetError);

    private static string Capture(Action action, TextWriter original, Action<TextWriter> redirect)
    {
        var captured = new StringWriter();
        try
        {
            redirect(captured);
            action();
        }
        finally { redirect(original); }
        return captured.ToString();
    }
}
