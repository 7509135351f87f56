using Sig.Engine.Events;

namespace Sig.Replay.Generator;

/// <summary>
/// One symbol's identity and the state the cross-sectional model carries from day to day. The
/// universe holds one per symbol for the whole run, so memory is proportional to the number of
/// stocks and never to the number of days.
/// </summary>
public sealed class StockState
{
    public required SymbolCode Symbol { get; init; }
    public required int Industry { get; init; }
    public required bool IsSt { get; init; }
    public required double Beta { get; init; }
    public required double IdioVolatility { get; init; }
    /// <summary>Relative trading activity (mean 1 across the universe): scales events per day.</summary>
    public double Activity { get; set; }
    public required DateOnly ListDate { get; init; }
    /// <summary>Index of the first trading day with a reference row (0 when listed before the start).</summary>
    public required int FirstDay { get; init; }
    /// <summary>Index of the first trading day without a reference row again (delisting), or int.MaxValue.</summary>
    public required int DelistDay { get; init; }

    /// <summary>Log of the fundamental value in CNY at the end of the last simulated day.</summary>
    public double LogValue { get; set; }
    /// <summary>The latent AR(1) signal: informed flow today, fundamental drift tomorrow onward.</summary>
    public double Signal { get; set; }
    /// <summary>Last close in ticks (the next preclose), on the current share basis.</summary>
    public long LastClose { get; set; }
    public double AdjFactor { get; set; } = 1.0;
    public long TotalShares { get; set; }
    public long FloatShares { get; set; }
    public long FreeFloatShares { get; set; }
    /// <summary>Further days of an ongoing suspension.</summary>
    public int SuspendedDaysLeft { get; set; }
    /// <summary>Index membership: 0 none, 1 the CSI500-like block, 2 the CSI1000-like block.</summary>
    public int IndexBlock { get; set; }

    /// <summary>Free-float market cap in CNY at the last close.</summary>
    public double FreeFloatCap => FixedPrice.ToDouble(LastClose) * FreeFloatShares;
}
