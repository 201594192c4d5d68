namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>
/// What the run shows while it works. On a terminal: the tenant table redrawn in place a few times
/// per second (ANSI cursor-up and clear-line, no packages). Redirected: one line per second, so a
/// log stays readable. Each frame is fitted to the terminal's width, read every frame (the window may
/// be resized), one column short of it: a line that fills the last column would wrap on some terminals.
/// </summary>
/// <param name="output">Where frames are written.</param>
/// <param name="terminal">Whether <paramref name="output"/> is a terminal (redraw) or redirected (a line per second).</param>
/// <param name="width">The terminal's width in columns; <see cref="TerminalWidth.Default"/> when not given.</param>
public sealed class LiveView(TextWriter output, bool terminal, Func<int>? width = null)
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

        int columns = Math.Max(2, width?.Invoke() ?? TerminalWidth.Default);
        IReadOnlyList<string> lines = TableRenderer.Tenants(snapshot, columns - 1);
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
