using System.Globalization;

namespace KmemGen.Internal;

/// <summary>
/// The kernel's control-file number syntax: page_counter_memparse (exactly "max") over memparse
/// (simple_strtoull base 0: decimal, "0x" hex, leading-0 octal; one optional K/M/G/T/P/E suffix in
/// either case, each a factor of 1024; then the end of the string), after strstrip.
/// Stricter than the kernel in three places, all of which the kernel would silently accept as
/// something else: no digits ("", "K") and 64-bit overflow are rejected instead of reading 0 or wrapping.
/// Values from 2^63 up to 2^64-1 clamp to "max" (the kernel clamps to PAGE_COUNTER_MAX).
/// </summary>
internal static class Memparse
{
    /// <summary>Parses a limit; returns false (and leaves <paramref name="bytes"/> 0) on anything malformed.</summary>
    public static bool TryParseLimit(string value, out long bytes)
    {
        bytes = 0;
        ReadOnlySpan<char> s = StripKernelSpace(value);
        if (s.SequenceEqual("max"))
        {
            bytes = PageCounter.Unlimited;
            return true;
        }
        if (!TryParseNumber(s, out ulong parsed)) return false;
        bytes = parsed > long.MaxValue ? PageCounter.Unlimited : (long)parsed;
        return true;
    }

    /// <summary>Formats a limit the way the kernel prints it: "max" or the byte count, with a newline.</summary>
    public static string FormatLimit(long bytes) =>
        bytes == PageCounter.Unlimited ? "max\n" : bytes.ToString(CultureInfo.InvariantCulture) + "\n";

    private static bool TryParseNumber(ReadOnlySpan<char> s, out ulong result)
    {
        result = 0;
        int i = 0;
        int radix = 10;
        // _parse_integer_fixup_radix: "0x" counts as a prefix only when a hex digit follows.
        if (s.Length >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && HexValue(s[2]) >= 0)
        {
            radix = 16;
            i = 2;
        }
        else if (s.Length >= 1 && s[0] == '0')
        {
            radix = 8;
        }

        int digits = 0;
        for (; i < s.Length; i++, digits++)
        {
            int d = HexValue(s[i]);
            if (d < 0 || d >= radix) break;
            ulong shifted = result * (ulong)radix;
            if (result != 0 && shifted / (ulong)radix != result) return false;  // overflow
            ulong sum = shifted + (ulong)d;
            if (sum < shifted) return false;                                     // overflow
            result = sum;
        }
        if (digits == 0) return false;

        if (i < s.Length)
        {
            int shift = SuffixShift(s[i]);
            if (shift == 0) return false;
            if (result != 0 && (shift >= 64 || result > (ulong.MaxValue >> shift))) return false;  // overflow
            result <<= shift;
            i++;
        }
        return i == s.Length;
    }

    private static int SuffixShift(char c) => c switch
    {
        'K' or 'k' => 10,
        'M' or 'm' => 20,
        'G' or 'g' => 30,
        'T' or 't' => 40,
        'P' or 'p' => 50,
        'E' or 'e' => 60,
        _ => 0,
    };

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    // strstrip: the kernel's isspace set.
    private static ReadOnlySpan<char> StripKernelSpace(string value) =>
        value.AsSpan().Trim(" \t\n\v\f\r");
}
