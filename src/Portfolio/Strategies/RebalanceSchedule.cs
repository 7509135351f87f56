namespace Sig.Portfolio.Strategies;

/// <summary>
/// Which closes rebalance: the anchor's trading day (the first calendar date on or after the
/// anchor; without one the calendar's first date) and every N-th trading day of the calendar
/// after it — trading days 0, N, 2N, … counted from the anchor, as the backtest counts them
/// from its first day. Only dates up to the close are counted, so the answer for a date never
/// changes when later dates are added.
/// </summary>
public static class RebalanceSchedule
{
    /// <summary>True when <paramref name="date"/> is in <paramref name="calendar"/> (ascending) and a rebalance date.</summary>
    public static bool IsRebalanceDate(IReadOnlyList<DateOnly> calendar, DateOnly date, DateOnly? anchor, int everyDays)
    {
        if (everyDays < 1) throw new ArgumentOutOfRangeException(nameof(everyDays), everyDays, "rebalance every N ≥ 1 trading days");
        if (calendar.Count == 0) return false;
        var start = anchor ?? calendar[0];
        if (date < start) return false;
        int at = LowerBound(calendar, date);
        if (at >= calendar.Count || calendar[at] != date) return false;
        int from = LowerBound(calendar, start);
        return (at - from) % everyDays == 0;
    }

    /// <summary>The first index whose date is ≥ <paramref name="date"/>.</summary>
    private static int LowerBound(IReadOnlyList<DateOnly> calendar, DateOnly date)
    {
        int lo = 0, hi = calendar.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (calendar[mid] < date) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
