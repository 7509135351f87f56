using Sig.Engine.Events;

namespace Sig.Factors.Daily;

/// <summary>
/// One row of the adjusted daily bars: prices back-adjusted by the day's <c>adj_factor</c>
/// (adjusted = price × adj_factor), volume and amount as traded, turnover and caps from the
/// unadjusted close. A suspended day has no row.
/// </summary>
public sealed record DailyBar
{
    public required DateOnly Date { get; init; }
    public required SymbolCode Symbol { get; init; }
    public required double Open { get; init; }
    public required double High { get; init; }
    public required double Low { get; init; }
    public required double Close { get; init; }
    public required long Volume { get; init; }
    /// <summary>Σ price × volume, CNY (not adjusted).</summary>
    public required double Amount { get; init; }
    /// <summary>Adjusted VWAP = amount / volume × adj_factor.</summary>
    public required double Vwap { get; init; }
    /// <summary>volume / float_shares.</summary>
    public required double Turnover { get; init; }
    /// <summary>volume / free_float_shares (float_shares when the reference has none).</summary>
    public required double FreeTurnover { get; init; }
    /// <summary>Unadjusted close × total_shares (CNY).</summary>
    public required double TotalCap { get; init; }
    /// <summary>Unadjusted close × float_shares (CNY).</summary>
    public required double FloatCap { get; init; }
    public required double AdjFactor { get; init; }
    public required CloseRule CloseRule { get; init; }
    /// <summary>The unadjusted open equals the day's limit_up (a buy at the open is blocked).</summary>
    public required bool OpenAtLimitUp { get; init; }
    /// <summary>Low = limit_up: the day never traded below the limit (a one-price limit-up day).</summary>
    public required bool LowAtLimitUp { get; init; }
    /// <summary>High = limit_down: the day never traded above the limit.</summary>
    public required bool HighAtLimitDown { get; init; }

    /// <summary>Applies the day's reference row (same symbol) to an unadjusted bar.</summary>
    public static DailyBar Adjust(DateOnly date, in RawDailyBar raw, DailyReference reference)
    {
        if (raw.Symbol != reference.Symbol) throw new ArgumentException($"bar of {raw.Symbol} with the reference of {reference.Symbol}");
        double a = reference.AdjFactor;
        double limitUp = FixedPrice.ToDouble(reference.LimitUp), limitDown = FixedPrice.ToDouble(reference.LimitDown);
        double freeFloat = reference.FreeFloatShares ?? reference.FloatShares;
        return new DailyBar
        {
            Date = date, Symbol = raw.Symbol,
            Open = raw.Open * a, High = raw.High * a, Low = raw.Low * a, Close = raw.Close * a,
            Volume = raw.Volume, Amount = raw.Amount, Vwap = raw.Amount / raw.Volume * a,
            Turnover = reference.FloatShares > 0 ? raw.Volume / (double)reference.FloatShares : double.NaN,
            FreeTurnover = freeFloat > 0 ? raw.Volume / freeFloat : double.NaN,
            TotalCap = raw.Close * reference.TotalShares, FloatCap = raw.Close * reference.FloatShares,
            AdjFactor = a, CloseRule = raw.Rule,
            OpenAtLimitUp = reference.LimitUp > 0 && raw.Open >= limitUp,
            LowAtLimitUp = reference.LimitUp > 0 && raw.Low >= limitUp,
            HighAtLimitDown = reference.LimitDown > 0 && raw.High <= limitDown,
        };
    }
}

/// <summary>Where the close's adjusted daily bars and the day's reference rows go (the feature store).</summary>
public interface IDailyBarSink
{
    /// <summary>Stores a day's bars (traded symbols) and reference rows (all symbols), replacing any earlier rows of the date.</summary>
    void WriteDailyBars(DateOnly date, IReadOnlyList<DailyBar> bars, DailyReferenceSet reference);
}

/// <summary>A date's reference rows (symbol order) and the names of their index weight columns (e.g. <c>csi500_weight</c>).</summary>
/// <param name="Rows">One row per symbol, ascending.</param>
/// <param name="WeightColumns">Aligned with each row's <see cref="DailyReference.Weights"/>.</param>
public sealed record DailyReferenceSet(IReadOnlyList<DailyReference> Rows, IReadOnlyList<string> WeightColumns);

/// <summary>The reference rows of a date as the source delivered them (tick store in replay, md.ref in live).</summary>
public interface IDailyReferenceSource
{
    /// <summary>The date's rows, or null when the source has none for it.</summary>
    DailyReferenceSet? ReferenceOf(DateOnly date);
}
