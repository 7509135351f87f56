using Sig.Engine.Time;

namespace Sig.Replay.Generator;

/// <summary>
/// Maps the progress of a symbol-day's continuous session (the share of its continuous
/// events already produced, 0..1) to an exchange time, through a U-shaped per-minute activity
/// profile: the first and last half hours carry about two to three times the midday rate, as
/// A-share volume does. Only 09:30:00.000–11:29:59.999 and 13:00:00.000–14:56:59.999 are
/// reachable, so nothing is stamped in the lunch break or the closing auction.
/// </summary>
public static class IntradayClock
{
    private const int MorningMinutes = 120;
    private const int ContinuousMinutes = 237; // 09:30–11:30 and 13:00–14:57

    // Cumulative activity at the start of each minute, normalized to 1 at the end.
    private static readonly double[] Cumulative = BuildProfile();

    /// <summary>The progress reached at 10:00: continuous events before it are in the early window (bars 1–30).</summary>
    public static double EarlyProgress => Cumulative[30];

    private static double[] BuildProfile()
    {
        var cum = new double[ContinuousMinutes + 1];
        for (int m = 0; m < ContinuousMinutes; m++)
        {
            double w = 1.0 + 2.5 * Math.Exp(-m / 15.0) + 1.8 * Math.Exp(-(ContinuousMinutes - 1 - m) / 15.0);
            cum[m + 1] = cum[m] + w;
        }
        for (int m = 0; m <= ContinuousMinutes; m++) cum[m] /= cum[ContinuousMinutes];
        return cum;
    }

    /// <summary>Exchange time (HHMMSSmmm) at a continuous-session progress in [0, 1).</summary>
    public static int TimeAt(double progress)
    {
        progress = Math.Clamp(progress, 0.0, 0.999999999);
        int lo = 0, hi = ContinuousMinutes - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (Cumulative[mid] <= progress) lo = mid; else hi = mid - 1;
        }
        double within = (progress - Cumulative[lo]) / (Cumulative[lo + 1] - Cumulative[lo]);
        int ms = Math.Min(59_999, (int)(within * 60_000));
        int startMs = lo < MorningMinutes
            ? ExchangeTime.ToMillis(ExchangeTime.ContinuousOpen) + lo * 60_000
            : ExchangeTime.ToMillis(ExchangeTime.AfternoonOpen) + (lo - MorningMinutes) * 60_000;
        return ExchangeTime.FromMillis(startMs + ms);
    }

    /// <summary>Time within a call-auction order window [start, start + lengthMs) at a progress in [0, 1).</summary>
    public static int AuctionTimeAt(int windowStart, int lengthMs, double progress) =>
        ExchangeTime.FromMillis(ExchangeTime.ToMillis(windowStart) + Math.Min(lengthMs - 1, (int)(Math.Clamp(progress, 0, 1) * lengthMs)));
}
