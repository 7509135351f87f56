using Sig.Data.Features;
using Sig.Research.Daily;

namespace Sig.Inference;

/// <summary>Reads the part of the daily panel a model's inputs need (its history before the first date, nothing after the last).</summary>
public static class StoreWindow
{
    /// <summary>
    /// The panel from <paramref name="history"/> trading days before <paramref name="from"/> (one more
    /// for the first day's return; the styles' 525 with <paramref name="styles"/>) through <paramref name="to"/>.
    /// </summary>
    public static StoreInputs Read(IDailyFeatureReader store, IReadOnlyList<DateOnly> calendar, DateOnly from, DateOnly to, int history, bool styles = false)
    {
        int first = FirstOnOrAfter(calendar, from);
        if (first >= calendar.Count) throw new ArgumentException($"the feature store has no trading date on or after {from:yyyy-MM-dd}");
        int back = Math.Max(history + 1, styles ? StyleModel.HistoryDays + 1 : 0);
        return new StoreInputs(store.ReadPanel(calendar[Math.Max(0, first - back)], to));
    }

    public static int FirstOnOrAfter(IReadOnlyList<DateOnly> calendar, DateOnly date)
    {
        int i = 0;
        while (i < calendar.Count && calendar[i] < date) i++;
        return i;
    }

    /// <summary>Index of the last trading date ≤ <paramref name="date"/>, or −1.</summary>
    public static int LastOnOrBefore(IReadOnlyList<DateOnly> calendar, DateOnly date)
    {
        int i = calendar.Count - 1;
        while (i >= 0 && calendar[i] > date) i--;
        return i;
    }
}
