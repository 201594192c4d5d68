namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>
/// What the run shows while it works. On a terminal: the tenant table redrawn in place a few times
/// per second (ANSI cursor-up and clear-line, no packages). Redirected: one line per second, so a
/// log stays readable.
/// </summary>
public sealed class LiveView(TextWriter output, bool terminal)
{
    private int _linesDrawn;

    /// <summary>How often <see cref="Render"/> should be called.</summary>
    public TimeSpan Interval { get; } = terminal ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(1);

    public void Render(RunSnapshot snapshot)
    {
        if (!terminal)
        {
            output.WriteLine(TableRenderer.Line(snapshot));
            return;
        }

        IReadOnlyList<string> lines = TableRenderer.Tenants(snapshot);
        var frame = new System.Text.StringBuilder();
        if (_linesDrawn > 0)
        {
            // ESC[nF: cursor to the start of the line n lines up, where the previous frame began.
            frame.Append("\u001b[").Append(_linesDrawn).Append('F');
        }

        frame.Append($"running {snapshot.ElapsedSeconds:0.0}s").Append("\u001b[K\n");
        foreach (string line in lines)
        {
            // ESC[K clears what a longer previous frame left on this line.
            frame.Append(line).Append("\u001b[K\n");
        }

        output.Write(frame.ToString());
        output.Flush();
        _linesDrawn = lines.Count + 1;
    }
}
