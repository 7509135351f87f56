using Sig.Engine.Events;
using Sig.Factors.Intraday;
using Sig.Engine.Time;

namespace Sig.Factors.Daily;

/// <summary>Which rule set a daily close.</summary>
public enum CloseRule : byte
{
    /// <summary>The closing-auction print (15:00:00).</summary>
    ClosingAuction = 1,
    /// <summary>No closing auction: the VWAP of the fills of the last minute (14:59:00–14:59:59.999).</summary>
    LastMinuteVwap = 2,
    /// <summary>Neither: the day's last fill.</summary>
    LastFill = 3,
}

/// <summary>
/// One symbol's unadjusted daily bar as the pipeline computes it at the close from the day's
/// fills: exact tick sums, no reference data yet. Prices in CNY.
/// </summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Open">First fill price.</param>
/// <param name="High">Highest fill price.</param>
/// <param name="Low">Lowest fill price.</param>
/// <param name="Close">Close by <paramref name="Rule"/>.</param>
/// <param name="Volume">Σ fill volume (shares).</param>
/// <param name="Amount">Σ price × volume (CNY).</param>
/// <param name="Fills">Number of fills.</param>
/// <param name="Rule">Which rule set the close.</param>
public readonly record struct RawDailyBar(SymbolCode Symbol, double Open, double High, double Low, double Close,
    long Volume, double Amount, long Fills, CloseRule Rule)
{
    /// <summary>The day's bar of a symbol state after the close; null when it had no fill (suspended: no bar).</summary>
    public static RawDailyBar? From(SymbolDayState state)
    {
        var bars = state.Bars;
        if (bars.Fills == 0) return null;
        return From(new DailyFillTotals(state.Symbol, bars.FirstPrice, state.DayHigh, state.DayLow, state.DayVolume, state.TotalAmount, bars.Fills,
            bars[SessionBars.BarsPerDay].Volume, bars[SessionBars.BarsPerDay].Amount, state.CloseAuctionVolume, state.CloseAuctionAmount,
            state.LastFillPrice));
    }

    /// <summary>The day's bar from its fill totals (a backend that keeps no bars on the host); null when it had no fill.</summary>
    public static RawDailyBar? From(in DailyFillTotals t)
    {
        if (t.Fills == 0) return null;
        double close;
        CloseRule rule;
        long lastMinuteVolume = t.LastBarVolume - t.CloseAuctionVolume;
        if (t.CloseAuctionVolume > 0)
        {
            // One uniform auction price; the VWAP of its prints is that price.
            close = (double)t.CloseAuctionAmount / t.CloseAuctionVolume / FixedPrice.Scale;
            rule = CloseRule.ClosingAuction;
        }
        else if (lastMinuteVolume > 0)
        {
            close = (double)(t.LastBarAmount - t.CloseAuctionAmount) / lastMinuteVolume / FixedPrice.Scale;
            rule = CloseRule.LastMinuteVwap;
        }
        else
        {
            close = FixedPrice.ToDouble(t.LastFillPrice);
            rule = CloseRule.LastFill;
        }
        return new RawDailyBar(t.Symbol, FixedPrice.ToDouble(t.FirstPrice), FixedPrice.ToDouble(t.High), FixedPrice.ToDouble(t.Low),
            close, t.Volume, (double)t.Amount / FixedPrice.Scale, t.Fills, rule);
    }
}

/// <summary>
/// One symbol's fill totals of the day, all exact ticks: what its daily bar is computed from.
/// Prices and amounts in ticks; the last bar (14:59 on, closing auction included) separately.
/// </summary>
public readonly record struct DailyFillTotals(SymbolCode Symbol, long FirstPrice, long High, long Low, long Volume, long Amount, long Fills,
    long LastBarVolume, long LastBarAmount, long CloseAuctionVolume, long CloseAuctionAmount, long LastFillPrice);
