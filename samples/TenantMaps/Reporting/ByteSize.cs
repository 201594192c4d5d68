using System.Globalization;

namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>Byte counts for humans: 0, 812B, 70.3K, 4.0M (powers of 1024, as memory.max suffixes are).</summary>
public static class ByteSize
{
    public static string Format(long bytes)
    {
        if (bytes == long.MaxValue)
        {
            return "max";
        }

        string[] units = ["B", "K", "M", "G", "T", "P", "E"];
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? bytes.ToString(CultureInfo.InvariantCulture) + "B"
            : value.ToString("0.0", CultureInfo.InvariantCulture) + units[unit];
    }
}
