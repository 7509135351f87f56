namespace Sig.Models.Training;

/// <summary>
/// The date rules of the training protocol: which dates a model retrained on date R learns
/// from, the time-ordered train/validation split and the half-yearly retrain calendar.
/// </summary>
public static class Protocol
{
    /// <summary>
    /// Sample dates for a model retrained on <paramref name="retrain"/>: every <paramref name="every"/>-th
    /// trading day from the first (or from <paramref name="lookback"/> trading days before R) up to the
    /// last trading day T whose label, needing <paramref name="labelHorizon"/> trading days after T,
    /// is known on R (T ≤ R − horizon, R counted as the last trading day on or before it).
    /// </summary>
    public static IReadOnlyList<DateOnly> SampleDates(IReadOnlyList<DateOnly> tradingDays, DateOnly retrain, int every, int labelHorizon, int? lookback = null)
    {
        if (every < 1 || labelHorizon < 0) throw new ArgumentException("sampling step must be ≥ 1 and the label horizon ≥ 0");
        int r = LastOnOrBefore(tradingDays, retrain);
        int last = r - labelHorizon;
        if (last < 0) return [];
        int first = lookback is int lb ? Math.Max(0, r - lb) : 0;
        var dates = new List<DateOnly>();
        for (int i = first; i <= last; i += every) dates.Add(tradingDays[i]);
        return dates;
    }

    /// <summary>The first ⌊0.8·n⌋ dates train, the rest validate (time order kept).</summary>
    public static (IReadOnlyList<T> Train, IReadOnlyList<T> Validation) Split<T>(IReadOnlyList<T> dates, double trainShare = 0.8)
    {
        int nTrain = (int)Math.Floor(dates.Count * trainShare);
        return (dates.Take(nTrain).ToArray(), dates.Skip(nTrain).ToArray());
    }

    /// <summary>Retrain dates in [from, to]: the first trading day of January and of July.</summary>
    public static IReadOnlyList<DateOnly> HalfYearRetrains(IReadOnlyList<DateOnly> tradingDays, DateOnly from, DateOnly to)
    {
        var result = new List<DateOnly>();
        for (int i = 0; i < tradingDays.Count; i++)
        {
            var d = tradingDays[i];
            if (d < from || d > to || d.Month is not (1 or 7)) continue;
            if (i > 0 && tradingDays[i - 1].Month == d.Month && tradingDays[i - 1].Year == d.Year) continue;
            result.Add(d);
        }
        return result;
    }

    /// <summary>The retrain date whose model scores <paramref name="date"/>: the latest one on or before it (null if none).</summary>
    public static DateOnly? ModelFor(IReadOnlyList<DateOnly> retrains, DateOnly date)
    {
        DateOnly? best = null;
        foreach (var r in retrains) if (r <= date && (best is null || r > best)) best = r;
        return best;
    }

    private static int LastOnOrBefore(IReadOnlyList<DateOnly> days, DateOnly d)
    {
        int lo = 0, hi = days.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (days[mid] <= d) { found = mid; lo = mid + 1; } else hi = mid - 1;
        }
        return found;
    }
}
