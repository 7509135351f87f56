using System.Globalization;

namespace Sig.Engine.Events;

/// <summary>
/// Prices as integers of 1/10000 CNY. Exchange prices have at most 3 decimals (funds) and
/// usually 2, so this is exact; amounts (price × volume) become exact integers, which makes
/// order-amount moments and the big-order threshold independent of summation order.
/// </summary>
public static class FixedPrice
{
    public const long Scale = 10_000;
    public const int Decimals = 4;

    public static double ToDouble(long ticks) => ticks / (double)Scale;

    /// <summary>Rounds a double price to the nearest tick (generator use; not for parsing).</summary>
    public static long FromDouble(double price) => (long)Math.Round(price * Scale, MidpointRounding.AwayFromZero);

    /// <summary>
    /// Parses a plain decimal ("10.01", "0", "12") with at most 4 decimals, no sign or exponent.
    /// A value whose tick count would not fit a <see cref="long"/> does not parse (it never wraps).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> s, out long ticks)
    {
        ticks = 0;
        if (s.IsEmpty || s.Length > 18) return false;
        long whole = 0; int i = 0;
        for (; i < s.Length && s[i] != '.'; i++)
        {
            int d = s[i] - '0';
            if ((uint)d > 9) return false;
            if (whole > (long.MaxValue / Scale - 10) / 10) return false; // whole * Scale + frac would overflow
            whole = whole * 10 + d;
        }
        if (i == 0) return false;
        long frac = 0; int nfrac = 0;
        if (i < s.Length)
        {
            i++; // '.'
            if (i == s.Length) return false;
            for (; i < s.Length; i++)
            {
                int d = s[i] - '0';
                if ((uint)d > 9) return false;
                if (nfrac == Decimals) { if (d != 0) return false; continue; } // 10.01000 is fine, 10.00001 is not
                frac = frac * 10 + d; nfrac++;
            }
        }
        for (; nfrac < Decimals; nfrac++) frac *= 10;
        ticks = whole * Scale + frac;
        return true;
    }

    /// <summary>Shortest plain decimal for a tick count: 100100 → "10.01", 100000 → "10".</summary>
    public static string Format(long ticks)
    {
        long whole = Math.DivRem(ticks, Scale, out long frac);
        if (frac == 0) return whole.ToString(CultureInfo.InvariantCulture);
        var f = frac.ToString("D4", CultureInfo.InvariantCulture).TrimEnd('0');
        return whole.ToString(CultureInfo.InvariantCulture) + "." + f;
    }
}
