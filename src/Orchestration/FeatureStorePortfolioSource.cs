using Sig.Engine.Config;
using Sig.Factors;
using Sig.Portfolio.Backtest;
using Sig.Portfolio.Io;
using Sig.Portfolio.Strategies;
using Sig.Data.Features;
using Sig.Research.Daily;
using Sig.Research.Preprocessing;

namespace Sig.Orchestration;

/// <summary>
/// The portfolio inputs read from a feature store (features.db, docs/portfolio.md): adjusted
/// daily bars and limits, reference rows (listing, ST, industry), index weights as the
/// benchmark, the `size` style (stored by `engine styles`, else computed from ln total cap) as
/// size exposure, and a score that is a daily factor (raw or `z:` standardized) or a score table;
/// and, for the optimizer close stage, each strategy's stored targets (table portfolio_targets).
/// Every input is read through an <see cref="IDailyFeatureReader"/> opened per read (so each
/// read sees what the store holds then); the targets, which the close stage also writes, go to
/// the SQLite file. Its dates are the store's as of construction.
/// </summary>
public sealed class FeatureStorePortfolioSource : IStrategyStore
{
    private readonly string _name;
    private readonly Func<IDailyFeatureReader> _open;
    private readonly string? _targetsDb;
    private readonly List<DateOnly> _dates;
    private DailyPanel? _panel;

    /// <summary>The store <paramref name="db"/>, its panels read through the engine of <paramref name="features"/> (default DuckDB).</summary>
    public FeatureStorePortfolioSource(string db, FeaturesOptions? features = null)
        : this(db, () => DailyFeatureStore.Open(db, features), targetsDb: db)
    {
    }

    /// <summary>
    /// Inputs read through the readers <paramref name="open"/> returns (disposed after each read
    /// when disposable), named <paramref name="name"/> in errors; the strategy targets in the SQLite
    /// store <paramref name="targetsDb"/> (null: a source without targets, for optimize and backtest runs).
    /// </summary>
    public FeatureStorePortfolioSource(string name, Func<IDailyFeatureReader> open, string? targetsDb)
    {
        _name = name;
        _open = open;
        _targetsDb = targetsDb;
        var reader = _open();
        using (reader as IDisposable) _dates = [.. reader.TradingDates];
        if (_dates.Count == 0) throw new InvalidDataException($"{name}: no trading dates (tables daily_reference and daily_factors are empty; run `engine replay` first)");
    }

    /// <summary>True when <paramref name="directory"/> holds a feature store (features.db).</summary>
    public static bool IsFeatureStoreDirectory(string directory) => File.Exists(Path.Combine(directory, "features.db"));

    public IReadOnlyList<DateOnly> Dates => _dates;

    /// <summary>Dates with at least one stored `size` exposure / with it computed here (set by <see cref="LoadPanel"/>).</summary>
    public (int Stored, int Computed) SizeDates { get; private set; }

    public MarketPanel LoadPanel(DateOnly to, string benchmark)
    {
        if (_dates[0] > to) throw new ArgumentException($"{_name}: no dates on or before {to:yyyy-MM-dd}");
        var fs = _open();
        using var opened = fs as IDisposable;
        var p = fs.ReadPanel(_dates[0], to, factors: []);
        if (!p.IndexWeights.TryGetValue(benchmark, out var bench))
            throw new ArgumentException($"{_name}: no index weights for benchmark '{benchmark}' (table index_weights has: {string.Join(", ", p.IndexWeights.Keys)})");
        int n = p.Symbols.Length, days = p.Dates.Length, cells = n * days;
        var storedSize = fs.ReadStyle("size", p);
        _panel = p;

        var listed = new bool[cells];
        var listedDays = new int[cells];
        var upAdj = new double[cells];
        var downAdj = new double[cells];
        var adj = new double[cells];
        var weight = new double[cells];
        var size = new double[cells];
        for (int d = 0; d < days; d++)
            for (int s = 0; s < n; s++)
            {
                int c = p.Cell(d, s);
                listed[c] = p.HasReference[c] || !double.IsNaN(p.Close[c]);
                listedDays[c] = Universes.ListedDays(p, d, s);
                double factor = p.AdjFactor[c] > 0 ? p.AdjFactor[c] : p.RefAdjFactor[c] > 0 ? p.RefAdjFactor[c] : 1.0;
                adj[c] = factor;
                // The store's flags decide a one-price day (they compare unadjusted prices); the
                // adjusted limit is only used by that comparison.
                upAdj[c] = p.LowAtLimitUp[c] ? p.Low[c] : p.LimitUp[c] * factor;
                downAdj[c] = p.HighAtLimitDown[c] ? p.High[c] : p.LimitDown[c] * factor;
                if (!p.LowAtLimitUp[c] && p.Low[c] >= upAdj[c] * (1 - 1e-9)) upAdj[c] = double.NaN;
                if (!p.HighAtLimitDown[c] && p.High[c] <= downAdj[c] * (1 + 1e-9)) downAdj[c] = double.NaN;
                weight[c] = double.IsNaN(bench[c]) ? 0 : bench[c];
                if (!(weight[c] >= 0 && weight[c] <= 1))
                    throw new InvalidDataException($"{_name}: index_weights {benchmark} {p.Symbols[s]} {p.Dates[d]:yyyy-MM-dd}: weight {weight[c]} outside [0,1]");
            }
        int stored = 0, computed = 0;
        for (int d = 0; d < days; d++)
        {
            var row = storedSize.AsSpan(d * n, n);
            bool has = false;
            foreach (double v in row) if (double.IsFinite(v)) { has = true; break; }
            if (has) { stored++; row.CopyTo(size.AsSpan(d * n, n)); }
            else { computed++; ComputedSize(p, d).CopyTo(size.AsSpan(d * n, n)); }
        }
        for (int c = 0; c < cells; c++) if (!double.IsFinite(size[c])) size[c] = 0;
        SizeDates = (stored, computed);

        var (industry, names) = Industries(p);
        var panel = new MarketPanel
        {
            Dates = p.Dates, Symbols = [.. p.Symbols.Select(s => s.ToString())],
            Open = p.Open, High = p.High, Low = p.Low, Close = p.Close, Vwap = p.Vwap, LimitUp = upAdj, LimitDown = downAdj,
            AdjFactor = adj, Listed = listed, IsSt = p.IsSt, ListedDays = listedDays, BenchmarkWeight = weight,
            Industry = industry, IndustryNames = names, Size = size,
        };
        panel.Validate();
        return panel;
    }

    public (DateOnly Date, IReadOnlyList<(string Symbol, double Weight)> Weights)? TargetsBefore(string strategy, DateOnly date)
    {
        using var fs = new SqliteFeatureStore(TargetsDb);
        return fs.ReadTargetsBefore(strategy, date) is { } t ? (t.Date, t.Weights) : null;
    }

    public void WriteTargets(string strategy, DateOnly date, IReadOnlyList<(string Symbol, double Weight)> weights, string status, string relaxation)
    {
        using var fs = new SqliteFeatureStore(TargetsDb);
        fs.WriteTargets(strategy, date, weights, status, relaxation);
    }

    private string TargetsDb => _targetsDb ?? throw new InvalidOperationException($"{_name}: this portfolio source has no store for strategy targets");

    /// <summary>
    /// The `size` style exactly as `engine styles` computes it (ln total cap over the tradable
    /// universe, cap-weighted mean 0, equal-weighted std 1): cheap, so it needs no stored styles.
    /// </summary>
    private static double[] ComputedSize(DailyPanel p, int d)
    {
        int n = p.Symbols.Length;
        var tradable = Universes.Tradable(p, d);
        var x = new double[n];
        var cap = new double[n];
        for (int s = 0; s < n; s++)
        {
            double tc = p.TotalCap[p.Cell(d, s)];
            if (tradable[s] && tc > 0) { cap[s] = tc; x[s] = Math.Log(tc); }
            else x[s] = double.NaN;
        }
        StyleModel.Standardize(x, cap);
        return x;
    }

    /// <summary>
    /// Industry per cell: the reference row's; a cell without one takes the symbol's nearest
    /// earlier (else later) industry, and a symbol never classified goes to `unknown`.
    /// </summary>
    private static (int[] Industry, string[] Names) Industries(DailyPanel p)
    {
        int n = p.Symbols.Length, days = p.Dates.Length;
        var names = p.Industries.ToList();
        int unknown = -1;
        var industry = new int[n * days];
        for (int s = 0; s < n; s++)
        {
            int last = -1;
            for (int d = 0; d < days; d++) { int k = p.Industry[p.Cell(d, s)]; if (k >= 0) last = k; industry[p.Cell(d, s)] = last; }
            int next = -1;
            for (int d = days - 1; d >= 0; d--)
            {
                int c = p.Cell(d, s);
                if (p.Industry[c] >= 0) next = p.Industry[c];
                if (industry[c] >= 0) continue;
                if (next < 0)
                {
                    if (unknown < 0) { unknown = names.Count; names.Add("unknown"); }
                    next = unknown;
                }
                industry[c] = next;
            }
        }
        return (industry, [.. names]);
    }

    /// <summary>
    /// `NAME` (one of the 27 daily factors, raw), `z:NAME` (that factor winsorized and
    /// standardized per date over the tradable universe; NaN elsewhere), or `table:NAME` (a score
    /// table date, symbol, score).
    /// </summary>
    public double[] LoadScore(MarketPanel panel, string score)
    {
        var p = _panel is not null && Matches(_panel, panel) ? _panel
            : throw new InvalidOperationException("LoadScore needs the panel of this source's last LoadPanel");
        var fs = _open();
        using var opened = fs as IDisposable;
        if (score.StartsWith("table:", StringComparison.Ordinal)) return fs.ReadScores(score["table:".Length..], p);
        bool standardize = score.StartsWith("z:", StringComparison.Ordinal);
        string name = standardize ? score[2..] : score;
        if (!FactorCatalog.Names.Contains(name))
            throw new ArgumentException($"--score '{score}': not a daily factor (one of the 27: {string.Join(", ", FactorCatalog.Names)}), 'z:<factor>' or 'table:<score table>'");
        var withFactor = fs.ReadPanel(p.Dates[0], p.Dates[^1], factors: [name]);
        if (!withFactor.Symbols.SequenceEqual(p.Symbols) || !withFactor.Dates.SequenceEqual(p.Dates))
            throw new InvalidOperationException($"{_name}: the store changed while reading");
        var values = (double[])withFactor.Factor(name).Clone();
        if (!standardize) return values;
        int n = p.Symbols.Length;
        for (int d = 0; d < p.Dates.Length; d++)
        {
            var row = values.AsSpan(d * n, n);
            var tradable = Universes.Tradable(p, d);
            for (int s = 0; s < n; s++) if (!tradable[s] || !double.IsFinite(row[s])) row[s] = double.NaN;
            CrossSection.Winsorize(row);
            CrossSection.Standardize(row);
        }
        return values;

        static bool Matches(DailyPanel a, MarketPanel b) => a.Dates.Length == b.Days && a.Symbols.Length == b.Stocks;
    }
}
