namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>The terminal's width in columns, read each time (a window can be resized while the run draws).</summary>
public static class TerminalWidth
{
    /// <summary>What a terminal that does not say is assumed to have.</summary>
    public const int Default = 80;

    public static int Read()
    {
        try
        {
            int width = Console.WindowWidth;
            return width > 0 ? width : Default;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return Default;
        }
    }
}
