using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Backtest;

/// <summary>
/// Daily market data for a backtest, dates × symbols, struct-of-arrays with entry [d·n + i].
/// Prices (bars and limits) are back-adjusted on one basis; a missing bar (suspended, or not
/// listed) is NaN. <see cref="Listed"/> is "has a reference row": a held symbol that loses it
/// is delisted.
/// </summary>
public sealed class MarketPanel
{
    public required DateOnly[] Dates { get; init; }
    public required string[] Symbols { get; init; }
    public required double[] Open { get; init; }
    public required double[] High { get; init; }
    public required double[] Low { get; init; }
    public required double[] Close { get; init; }
    public required double[] Vwap { get; init; }
    /// <summary>Price limits on the bars' adjusted basis; NaN when the day has no limit.</summary>
    public required double[] LimitUp { get; init; }
    public required double[] LimitDown { get; init; }
    /// <summary>Cumulative adjustment factor: raw price = adjusted price / factor (share mode's lots).</summary>
    public required double[] AdjFactor { get; init; }
    public required bool[] Listed { get; init; }
    public required bool[] IsSt { get; init; }
    /// <summary>Trading days the symbol has been listed as of the date (tradability needs a minimum).</summary>
    public required int[] ListedDays { get; init; }
    /// <summary>The benchmark's constituent weights.</summary>
    public required double[] BenchmarkWeight { get; init; }
    /// <summary>Industry index into <see cref="IndustryNames"/>, per date (a stock can change industry).</summary>
    public required int[] Industry { get; init; }
    public required string[] IndustryNames { get; init; }
    /// <summary>Size exposure (standardized ln total cap) per date.</summary>
    public required double[] Size { get; init; }

    public int Days => Dates.Length;
    public int Stocks => Symbols.Length;

    public bool HasBar(int d, int i) => !double.IsNaN(Close[d * Symbols.Length + i]);

    /// <summary>The tradable universe of date d: listed, has a bar (not suspended), not ST, listed long enough.</summary>
    public bool Tradable(int d, int i, int minListedDays)
    {
        int k = d * Symbols.Length + i;
        return Listed[k] && !IsSt[k] && ListedDays[k] >= minListedDays && !double.IsNaN(Close[k]);
    }

    /// <summary>A one-price limit-up day: never traded below the limit, so buys cannot fill.</summary>
    public bool BuyBlocked(int d, int i)
    {
        int k = d * Symbols.Length + i;
        return !double.IsNaN(LimitUp[k]) && Low[k] >= LimitUp[k] * (1 - 1e-9);
    }

    /// <summary>A one-price limit-down day: never traded above the limit, so sells cannot fill.</summary>
    public bool SellBlocked(int d, int i)
    {
        int k = d * Symbols.Length + i;
        return !double.IsNaN(LimitDown[k]) && High[k] <= LimitDown[k] * (1 + 1e-9);
    }

    /// <summary>The optimizer's input on date d for a score row (the panel's symbol list, so the LP model is reused).</summary>
    public RebalanceInput RebalanceInput(int d, ReadOnlySpan<double> alpha, double[]? held, int minListedDays)
    {
        int n = Symbols.Length;
        var tradable = new bool[n];
        for (int i = 0; i < n; i++) tradable[i] = Tradable(d, i, minListedDays);
        return new RebalanceInput
        {
            Date = Dates[d], Symbols = Symbols, Alpha = alpha.ToArray(),
            BenchmarkWeight = BenchmarkWeight.AsSpan(d * n, n).ToArray(), Industry = Industry.AsSpan(d * n, n).ToArray(),
            IndustryNames = IndustryNames, SizeExposure = Size.AsSpan(d * n, n).ToArray(), Tradable = tradable, Held = held,
        };
    }

    /// <summary>Checks array lengths and the listed/bar consistency; throws naming the first problem.</summary>
    public void Validate()
    {
        long cells = (long)Dates.Length * Symbols.Length;
        foreach (var (name, length) in new (string, int)[]
                 {
                     (nameof(Open), Open.Length), (nameof(High), High.Length), (nameof(Low), Low.Length), (nameof(Close), Close.Length),
                     (nameof(Vwap), Vwap.Length), (nameof(LimitUp), LimitUp.Length), (nameof(LimitDown), LimitDown.Length),
                     (nameof(AdjFactor), AdjFactor.Length), (nameof(Listed), Listed.Length), (nameof(IsSt), IsSt.Length),
                     (nameof(ListedDays), ListedDays.Length), (nameof(BenchmarkWeight), BenchmarkWeight.Length),
                     (nameof(Industry), Industry.Length), (nameof(Size), Size.Length),
                 })
            if (length != cells) throw new ArgumentException($"market panel: {name} has {length} cells, expected {Dates.Length}×{Symbols.Length}");
        for (int d = 1; d < Dates.Length; d++)
            if (Dates[d] <= Dates[d - 1]) throw new ArgumentException($"market panel: dates not increasing at {Dates[d]:yyyy-MM-dd}");
        for (long k = 0; k < cells; k++)
        {
            if (!double.IsNaN(Close[k]) && (!Listed[k] || !(Vwap[k] > 0) || !(Close[k] > 0)))
                throw new ArgumentException($"market panel: {Symbols[k % Symbols.Length]} {Dates[k / Symbols.Length]:yyyy-MM-dd}: a bar needs a listing, close > 0 and vwap > 0");
        }
    }
}

/// <summary>Cutting a panel to a date range.</summary>
public static class MarketPanelSlicing
{
    /// <summary>The dates [from, to] of <paramref name="p"/> (listing ages kept as counted over the whole panel) and the same cut of <paramref name="score"/>.</summary>
    public static (MarketPanel Panel, double[] Score) Slice(this MarketPanel p, double[] score, DateOnly from, DateOnly to)
    {
        int a = Array.FindIndex(p.Dates, d => d >= from);
        int b = Array.FindLastIndex(p.Dates, d => d <= to);
        if (a < 0 || b < a) throw new ArgumentException($"no trading dates between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}");
        int n = p.Stocks, start = a * n, len = (b - a + 1) * n;
        T[] Cut<T>(T[] x) => x.AsSpan(start, len).ToArray();
        return (new MarketPanel
        {
            Dates = p.Dates[a..(b + 1)], Symbols = p.Symbols, Open = Cut(p.Open), High = Cut(p.High), Low = Cut(p.Low),
            Close = Cut(p.Close), Vwap = Cut(p.Vwap), LimitUp = Cut(p.LimitUp), LimitDown = Cut(p.LimitDown),
            AdjFactor = Cut(p.AdjFactor), Listed = Cut(p.Listed), IsSt = Cut(p.IsSt), ListedDays = Cut(p.ListedDays),
            BenchmarkWeight = Cut(p.BenchmarkWeight), Industry = Cut(p.Industry), IndustryNames = p.IndustryNames, Size = Cut(p.Size),
        }, Cut(score));
    }
}
