using Sig.Data.Features;

namespace Sig.Research.Daily;

/// <summary>
/// The universes of a date (docs/events-and-sessions.md), as masks over a panel's symbols. The listing age counts
/// trading days of the store's calendar from the list date (or, without one, from the first
/// date the symbol appears) through T, both included; when the list date precedes the
/// calendar, the weekdays before the calendar's first date are counted as trading days.
/// </summary>
public static class Universes
{
    public const int MinListedDays = 60;

    /// <summary>Trading days symbol <paramref name="s"/> has been listed on date index <paramref name="d"/>.</summary>
    public static int ListedDays(DailyPanel panel, int d, int s)
    {
        int c = panel.Cell(d, s);
        var date = panel.Dates[d];
        var listed = panel.ListDate[c] > 0 ? DateOnly.FromDayNumber(panel.ListDate[c]) : panel.FirstSeen[s];
        if (listed > date) return 0;
        var cal = panel.Calendar;
        int upTo = Array.BinarySearch(cal, date);
        upTo = upTo >= 0 ? upTo + 1 : ~upTo;
        int from = Array.BinarySearch(cal, listed);
        from = from >= 0 ? from : ~from;
        int days = upTo - from;
        if (cal.Length > 0 && listed < cal[0]) days += Weekdays(listed, cal[0]);
        return days;
    }

    /// <summary>Weekdays in [a, b).</summary>
    private static int Weekdays(DateOnly a, DateOnly b)
    {
        int total = b.DayNumber - a.DayNumber, weeks = total / 7, n = weeks * 5;
        for (var d = a.AddDays(weeks * 7); d < b; d = d.AddDays(1))
            if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) n++;
        return n;
    }

    /// <summary>What is known at T's close: a reference row, not ST, listed ≥ 60 trading days.</summary>
    public static bool Eligible(DailyPanel panel, int d, int s)
    {
        int c = panel.Cell(d, s);
        return panel.HasReference[c] && !panel.IsSt[c] && ListedDays(panel, d, s) >= MinListedDays;
    }

    /// <summary>The tradable universe on T (the optimizer's, at T's close): eligible and not suspended on T.</summary>
    public static bool[] Tradable(DailyPanel panel, int d)
    {
        var mask = new bool[panel.Symbols.Length];
        for (int s = 0; s < mask.Length; s++)
            mask[s] = Eligible(panel, d, s) && !double.IsNaN(panel.Close[panel.Cell(d, s)]);
        return mask;
    }

    /// <summary>
    /// The research universe on T: eligible, not suspended on T+1, and T+1's open not at
    /// limit-up. It needs T+1: on the panel's last date (or past the store's end) nobody is in it.
    /// </summary>
    public static bool[] Research(DailyPanel panel, int d)
    {
        var mask = new bool[panel.Symbols.Length];
        if (d + 1 >= panel.Dates.Length) return mask;
        for (int s = 0; s < mask.Length; s++)
        {
            int next = panel.Cell(d + 1, s);
            mask[s] = Eligible(panel, d, s) && !double.IsNaN(panel.Close[next]) && !panel.OpenAtLimitUp[next];
        }
        return mask;
    }
}
