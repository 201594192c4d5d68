using System.Globalization;

namespace KmemGen.Samples.TenantGateway.Runs;

internal static class Sizes
{
    /// <summary>Bytes as B, KiB or MiB with one decimal.</summary>
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
    };

    public static string Ms(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture);
}
