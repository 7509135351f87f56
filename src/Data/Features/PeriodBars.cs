namespace Sig.Data.Features;

/// <summary>Which calendar period a derived bar spans.</summary>
public enum BarPeriod { Day, Week, Month }

/// <summary>
/// One symbol's bar over a period of trading days (adjusted prices): from <c>Start</c>, the
/// period's first trading date with a bar, to <c>End</c>, its last; <c>Symbol</c> indexes the
/// panel's symbols; <c>Days</c> counts the daily bars in it.
/// </summary>
public readonly record struct PeriodBar(DateOnly Start, DateOnly End, int Symbol, double Open, double High, double Low, double Close,
    double Volume, double Amount, double Vwap, int Days);

/// <summary>
/// Weekly (calendar week, Monday–Sunday) and monthly bars derived on read from the adjusted
/// daily bars: open = first daily open, close = last daily close, high/low = extremes,
/// volume/amount = sums; vwap = Σ amount / Σ (volume / adj_factor), which is the adjusted
/// amount / volume and equals the daily vwap for one day even across a split. Days without a
/// bar (suspended) are skipped; a period with none has no bar.
/// </summary>
public static class PeriodBars
{
    /// <summary>The period key of a date: the Monday of its week, or the first of its month.</summary>
    public static DateOnly KeyOf(DateOnly date, BarPeriod period) => period switch
    {
        BarPeriod.Week => date.AddDays(-(((int)date.DayOfWeek + 6) % 7)),
        BarPeriod.Month => new DateOnly(date.Year, date.Month, 1),
        _ => date,
    };

    /// <summary>Every symbol's bars of <paramref name="period"/>, ordered by period then symbol.</summary>
    public static List<PeriodBar> Aggregate(DailyPanel panel, BarPeriod period)
    {
        var result = new List<PeriodBar>();
        int nd = panel.Dates.Length, ns = panel.Symbols.Length;
        for (int d0 = 0; d0 < nd;)
        {
            var key = KeyOf(panel.Dates[d0], period);
            int d1 = d0;
            while (d1 < nd && KeyOf(panel.Dates[d1], period) == key) d1++;
            for (int s = 0; s < ns; s++)
            {
                int days = 0, first = -1, last = -1;
                double high = double.MinValue, low = double.MaxValue, volume = 0, amount = 0, adjustedVolume = 0;
                for (int d = d0; d < d1; d++)
                {
                    int c = panel.Cell(d, s);
                    if (double.IsNaN(panel.Close[c])) continue;
                    if (first < 0) first = d;
                    last = d;
                    days++;
                    high = Math.Max(high, panel.High[c]);
                    low = Math.Min(low, panel.Low[c]);
                    volume += panel.Volume[c];
                    amount += panel.Amount[c];
                    adjustedVolume += panel.Volume[c] / panel.AdjFactor[c];
                }
                if (days == 0) continue;
                result.Add(new PeriodBar(panel.Dates[first], panel.Dates[last], s, panel.Open[panel.Cell(first, s)], high, low,
                    panel.Close[panel.Cell(last, s)], volume, amount, amount / adjustedVolume, days));
            }
            d0 = d1;
        }
        return result;
    }
}
