using System.Globalization;

namespace Sig.Replay.Csv.Exchange;

/// <summary>Field formats vendors write: the three time layouts, dates, security ids.</summary>
public static class VendorFields
{
    /// <summary>
    /// Parses a time as <c>YYYYMMDDHHMMSSsss</c> (17 digits, carries the date), <c>HHMMSSmmm</c>
    /// (up to 9 digits) or <c>HH:MM:SS.mmm</c> (milliseconds optional). <paramref name="day"/> is the
    /// date's day number when the text carries one, else -1; <paramref name="time"/> is HHMMSSmmm.
    /// Ranges are not checked here (the canonical row check does it).
    /// </summary>
    public static bool TryParseTime(ReadOnlySpan<char> s, out int day, out int time)
    {
        day = -1; time = 0;
        s = s.Trim();
        if (s.Length == 17 && AllDigits(s))
        {
            if (!TryParseCompactDate(s[..8], out day)) return false;
            return int.TryParse(s[8..], NumberStyles.None, CultureInfo.InvariantCulture, out time);
        }
        if (s.Length is >= 1 and <= 9 && AllDigits(s))
            return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out time);
        return TryColon(s, out time); // HH:MM:SS[.mmm]
    }

    private static bool TryColon(ReadOnlySpan<char> s, out int time)
    {
        time = 0;
        int c1 = s.IndexOf(':');
        if (c1 < 1 || c1 > 2) return false;
        var rest = s[(c1 + 1)..];
        int c2 = rest.IndexOf(':');
        if (c2 != 2) return false;
        var secPart = rest[3..];
        int dot = secPart.IndexOf('.');
        var sec = dot < 0 ? secPart : secPart[..dot];
        var ms = dot < 0 ? ReadOnlySpan<char>.Empty : secPart[(dot + 1)..];
        if (sec.Length != 2 || ms.Length > 3 || (dot >= 0 && ms.Length == 0)) return false;
        if (!AllDigits(s[..c1]) || !AllDigits(rest[..2]) || !AllDigits(sec) || !AllDigits(ms)) return false;
        int h = int.Parse(s[..c1], CultureInfo.InvariantCulture), m = int.Parse(rest[..2], CultureInfo.InvariantCulture);
        int sc = int.Parse(sec, CultureInfo.InvariantCulture);
        int milli = ms.Length == 0 ? 0 : int.Parse(ms, CultureInfo.InvariantCulture) * (ms.Length == 1 ? 100 : ms.Length == 2 ? 10 : 1);
        time = ((h * 100 + m) * 100 + sc) * 1000 + milli;
        return true;
    }

    /// <summary>YYYYMMDD or YYYY-MM-DD to a day number.</summary>
    public static bool TryParseDate(ReadOnlySpan<char> s, out int day)
    {
        s = s.Trim();
        day = -1;
        if (s.Length == 8) return TryParseCompactDate(s, out day);
        if (Sig.Engine.Text.CanonicalRows.TryDate(s, out var d)) { day = d.DayNumber; return true; }
        return false;
    }

    private static bool TryParseCompactDate(ReadOnlySpan<char> s, out int day)
    {
        day = -1;
        if (!DateOnly.TryParseExact(s, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return false;
        day = d.DayNumber;
        return true;
    }

    /// <summary>
    /// Writes the canonical symbol ("000001.SZ") of a security id: digits (leading zeros may be
    /// missing), optionally already carrying the exchange's own suffix. False for anything else,
    /// including the other exchange's suffix.
    /// </summary>
    public static bool TryFormatSymbol(ReadOnlySpan<char> id, string exchange, Span<char> destination)
    {
        id = id.Trim().Trim('"');
        int dot = id.IndexOf('.');
        if (dot >= 0)
        {
            if (!id[(dot + 1)..].Equals(exchange, StringComparison.OrdinalIgnoreCase)) return false;
            id = id[..dot];
        }
        if (id.Length is 0 or > 6 || !AllDigits(id)) return false;
        destination[..(6 - id.Length)].Fill('0');
        id.CopyTo(destination[(6 - id.Length)..]);
        destination[6] = '.';
        destination[7] = exchange[0];
        destination[8] = exchange[1];
        return true;
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s) if ((uint)(c - '0') > 9) return false;
        return true;
    }
}
