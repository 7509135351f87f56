using Sig.Engine.Events;

namespace Sig.Replay.Features;

/// <summary>
/// Daily data of a date range as struct-of-arrays: every array is indexed by cell
/// <c>d * Symbols.Length + s</c> (date d of <see cref="Dates"/>, symbol s of <see cref="Symbols"/>).
/// Bar fields are adjusted (docs/events-and-sessions.md) and NaN where the symbol has no bar that day (suspended,
/// not listed); reference fields are NaN/false/-1 where it has no reference row. Readers
/// (evaluation, models, optimizer, backtest) take what they need and never write.
/// </summary>
public sealed class DailyPanel
{
    public DailyPanel(DateOnly[] dates, SymbolCode[] symbols, DateOnly[] calendar, string[] factorNames)
    {
        Dates = dates;
        Symbols = symbols;
        Calendar = calendar;
        int n = dates.Length * symbols.Length;
        double[] Nan() { var a = new double[n]; Array.Fill(a, double.NaN); return a; }
        Open = Nan(); High = Nan(); Low = Nan(); Close = Nan(); Volume = Nan(); Amount = Nan(); Vwap = Nan();
        Turnover = Nan(); FreeTurnover = Nan(); TotalCap = Nan(); FloatCap = Nan(); AdjFactor = Nan();
        OpenAtLimitUp = new bool[n]; LowAtLimitUp = new bool[n]; HighAtLimitDown = new bool[n];
        HasReference = new bool[n]; IsSt = new bool[n]; Industry = new int[n]; Array.Fill(Industry, -1);
        RefAdjFactor = Nan(); TotalShares = Nan(); FloatShares = Nan(); FreeFloatShares = Nan(); LimitUp = Nan(); LimitDown = Nan(); PreClose = Nan();
        ListDate = new int[n];
        BookEquity = Nan(); EarningsTtm = Nan(); OpCashflowTtm = Nan(); Growth5y = Nan(); Leverage = Nan();
        FactorNames = factorNames;
        Factors = [.. factorNames.Select(_ => Nan())];
        FirstSeen = new DateOnly[symbols.Length];
    }

    /// <summary>Trading dates of the range, ascending (the market calendar: dates with reference rows or factors).</summary>
    public DateOnly[] Dates { get; }
    /// <summary>Every symbol with data in the range, ascending.</summary>
    public SymbolCode[] Symbols { get; }
    /// <summary>The store's whole calendar up to the range's end (listing age counts on it).</summary>
    public DateOnly[] Calendar { get; }
    /// <summary>Per symbol, the first date it appears in the store (the listing date when the reference has none).</summary>
    public DateOnly[] FirstSeen { get; }

    public int Cell(int d, int s) => d * Symbols.Length + s;

    // Adjusted daily bars (NaN: no bar).
    public double[] Open { get; }
    public double[] High { get; }
    public double[] Low { get; }
    public double[] Close { get; }
    public double[] Volume { get; }
    public double[] Amount { get; }
    public double[] Vwap { get; }
    public double[] Turnover { get; }
    public double[] FreeTurnover { get; }
    public double[] TotalCap { get; }
    public double[] FloatCap { get; }
    public double[] AdjFactor { get; }
    public bool[] OpenAtLimitUp { get; }
    public bool[] LowAtLimitUp { get; }
    public bool[] HighAtLimitDown { get; }

    // Reference (unadjusted prices).
    public bool[] HasReference { get; }
    public bool[] IsSt { get; }
    /// <summary>Index into <see cref="Industries"/>, −1 without a reference row.</summary>
    public int[] Industry { get; }
    /// <summary>Industry codes, ordinal order.</summary>
    public string[] Industries { get; set; } = [];
    public double[] RefAdjFactor { get; }
    public double[] TotalShares { get; }
    public double[] FloatShares { get; }
    public double[] FreeFloatShares { get; }
    public double[] LimitUp { get; }
    public double[] LimitDown { get; }
    public double[] PreClose { get; }
    /// <summary><see cref="DateOnly.DayNumber"/> of the reference's list_date, 0 when absent.</summary>
    public int[] ListDate { get; }
    public double[] BookEquity { get; }
    public double[] EarningsTtm { get; }
    public double[] OpCashflowTtm { get; }
    public double[] Growth5y { get; }
    public double[] Leverage { get; }

    /// <summary>Index weights by index name (e.g. <c>csi500</c>), ordinal order; 0 for non-constituents with a row, NaN without.</summary>
    public SortedDictionary<string, double[]> IndexWeights { get; } = new(StringComparer.Ordinal);

    /// <summary>The daily factor columns read, in <see cref="FactorNames"/> order (NaN: no value).</summary>
    public string[] FactorNames { get; }
    public double[][] Factors { get; }

    /// <summary>The values of factor <paramref name="name"/>.</summary>
    public double[] Factor(string name)
    {
        int f = Array.IndexOf(FactorNames, name);
        return f >= 0 ? Factors[f] : throw new ArgumentException($"the panel has no factor '{name}'");
    }

    /// <summary>Position of <paramref name="date"/> in <see cref="Dates"/>, or −1.</summary>
    public int DateIndex(DateOnly date) => Math.Max(-1, Array.BinarySearch(Dates, date));
}

/// <summary>Reads the daily layer of a feature store as panels (the one read interface of the daily data).</summary>
public interface IDailyFeatureReader
{
    /// <summary>Every trading date in the store, ascending.</summary>
    IReadOnlyList<DateOnly> TradingDates { get; }

    /// <summary>
    /// The panel of [<paramref name="from"/>, <paramref name="to"/>]: bars, reference, index
    /// weights and the named daily factors (all 27 when null); optionally only some symbols.
    /// </summary>
    DailyPanel ReadPanel(DateOnly from, DateOnly to, IReadOnlyList<string>? factors = null, IReadOnlyCollection<SymbolCode>? symbols = null);
}
