using Sig.Engine.Events;

namespace Sig.Data.Features;

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

    /// <summary>
    /// Fills cell <paramref name="c"/> from a <c>daily_bars</c> row read as
    /// <c>date, symbol, open, high, low, close, volume, amount, vwap, turnover, free_turnover, total_cap,
    /// float_cap, adj_factor, open_at_limit_up, low_at_limit_up, high_at_limit_down</c> — the one decoding
    /// shared by the SQLite store and its DuckDB mirror, so both fill a panel alike.
    /// </summary>
    internal void SetBar(int c, System.Data.Common.DbDataReader r)
    {
        Open[c] = r.GetDouble(2); High[c] = r.GetDouble(3); Low[c] = r.GetDouble(4); Close[c] = r.GetDouble(5);
        Volume[c] = r.GetInt64(6); Amount[c] = r.GetDouble(7); Vwap[c] = r.GetDouble(8);
        Turnover[c] = Real(r, 9); FreeTurnover[c] = Real(r, 10); TotalCap[c] = r.GetDouble(11); FloatCap[c] = r.GetDouble(12);
        AdjFactor[c] = r.GetDouble(13);
        OpenAtLimitUp[c] = r.GetInt64(14) != 0; LowAtLimitUp[c] = r.GetInt64(15) != 0; HighAtLimitDown[c] = r.GetInt64(16) != 0;
    }

    /// <summary>
    /// Fills cell <paramref name="c"/> from a <c>daily_reference</c> row read as
    /// <c>date, symbol, preclose, adj_factor, industry, total_shares, float_shares, free_float_shares, is_st,
    /// limit_up, limit_down, list_date, book_equity, earnings_ttm, op_cashflow_ttm, growth_5y, leverage</c>;
    /// the industry (4) and the listing date (11, stored differently by each engine) are the caller's.
    /// </summary>
    internal void SetReference(int c, System.Data.Common.DbDataReader r)
    {
        HasReference[c] = true;
        PreClose[c] = r.GetDouble(2); RefAdjFactor[c] = r.GetDouble(3);
        TotalShares[c] = r.GetInt64(5); FloatShares[c] = r.GetInt64(6);
        FreeFloatShares[c] = r.IsDBNull(7) ? r.GetInt64(6) : r.GetInt64(7);
        IsSt[c] = r.GetInt64(8) != 0; LimitUp[c] = r.GetDouble(9); LimitDown[c] = r.GetDouble(10);
        BookEquity[c] = Real(r, 12); EarningsTtm[c] = Real(r, 13); OpCashflowTtm[c] = Real(r, 14);
        Growth5y[c] = Real(r, 15); Leverage[c] = Real(r, 16);
    }

    private static double Real(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);
}

/// <summary>
/// Reads the panel tables of a feature store (daily factors, bars, reference, index weights) by
/// date range and symbols: what the SQLite store and its DuckDB mirror both serve.
/// </summary>
public interface IDailyPanelReader
{
    /// <summary>Every trading date in the store, ascending.</summary>
    IReadOnlyList<DateOnly> TradingDates { get; }

    /// <summary>
    /// The panel of [<paramref name="from"/>, <paramref name="to"/>]: bars, reference, index
    /// weights and the named daily factors (all 27 when null); optionally only some symbols.
    /// </summary>
    DailyPanel ReadPanel(DateOnly from, DateOnly to, IReadOnlyList<string>? factors = null, IReadOnlyCollection<SymbolCode>? symbols = null);
}

/// <summary>
/// The one read interface of the feature store's daily data (docs/store-and-journal.md): panels
/// by date range and symbols, and the tables laid over a panel's cells (stored styles, score
/// tables) and the model registry. Readers — evaluation, model inputs and scoring, the
/// portfolio source — take this, never a concrete store, so tests can hand in an in-memory one.
/// </summary>
public interface IDailyFeatureReader : IDailyPanelReader
{
    /// <summary>One stored style exposure (written by <c>engine styles</c>) over the panel's dates and symbols; NaN where none is stored.</summary>
    double[] ReadStyle(string style, DailyPanel panel);

    /// <summary>A score table (<c>date, symbol, score</c>) over the panel's dates and symbols; NaN where it has no row.</summary>
    double[] ReadScores(string table, DailyPanel panel);

    /// <summary>Every registered model file of <paramref name="model"/>, by trained-through date then seed.</summary>
    IReadOnlyList<RegisteredModel> RegisteredModels(string model);
}
