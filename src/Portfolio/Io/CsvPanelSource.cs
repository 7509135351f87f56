using System.Globalization;
using Sig.Portfolio.Backtest;

namespace Sig.Portfolio.Io;

/// <summary>
/// A CSV panel directory (docs/portfolio.md): `daily.csv` with one row per listed (date,
/// symbol) — adjusted bar (blank when suspended), adjusted limits, adj_factor, is_st, industry,
/// size, optional listed_days, and `&lt;index&gt;_weight` columns — and `scores.csv` with
/// date, symbol and one column per score. Bad rows fail with file, line and reason.
/// </summary>
public sealed class CsvPanelSource : IPortfolioDataSource
{
    private static readonly string[] Required =
        ["date", "symbol", "open", "high", "low", "close", "vwap", "limit_up", "limit_down", "adj_factor", "is_st", "industry", "size"];

    private readonly string _daily;
    private readonly string _scores;
    private readonly List<DateOnly> _dates;

    public CsvPanelSource(string directory)
    {
        _daily = Path.Combine(directory, "daily.csv");
        _scores = Path.Combine(directory, "scores.csv");
        if (!File.Exists(_daily)) throw new FileNotFoundException($"{_daily}: not found (a CSV panel directory holds daily.csv and scores.csv)");
        var dates = new SortedSet<DateOnly>();
        int line = 1;
        foreach (var row in File.ReadLines(_daily).Skip(1))
        {
            line++;
            if (row.Length == 0) continue;
            int comma = row.IndexOf(',');
            dates.Add(Date(comma < 0 ? row : row[..comma], _daily, line));
        }
        _dates = dates.ToList();
        if (_dates.Count == 0) throw new InvalidDataException($"{_daily}: no rows");
    }

    public IReadOnlyList<DateOnly> Dates => _dates;

    /// <summary>True when <paramref name="directory"/> looks like a CSV panel directory.</summary>
    public static bool IsPanelDirectory(string directory) => File.Exists(Path.Combine(directory, "daily.csv"));

    public MarketPanel LoadPanel(DateOnly to, string benchmark)
    {
        var dates = _dates.Where(d => d <= to).ToArray();
        if (dates.Length == 0) throw new ArgumentException($"{_daily}: no dates on or before {to:yyyy-MM-dd}");
        var dateIndex = new Dictionary<DateOnly, int>();
        for (int d = 0; d < dates.Length; d++) dateIndex[dates[d]] = d;
        using var reader = new StreamReader(_daily);
        var header = (reader.ReadLine() ?? throw new InvalidDataException($"{_daily}: empty file")).Split(',');
        var col = Columns(header, _daily, Required);
        string weightName = benchmark + "_weight";
        int weightCol = Array.IndexOf(header, weightName);
        if (weightCol < 0) throw new InvalidDataException($"{_daily}: line 1: no column '{weightName}' for benchmark '{benchmark}'");
        int listedCol = Array.IndexOf(header, "listed_days");
        var rows = new List<(int D, string Symbol, string[] F, int Line)>();
        var symbols = new SortedSet<string>(StringComparer.Ordinal);
        int line = 1;
        for (string? s; (s = reader.ReadLine()) is not null;)
        {
            line++;
            if (s.Length == 0) continue;
            var f = s.Split(',');
            if (f.Length != header.Length) throw new InvalidDataException($"{_daily}: line {line}: {f.Length} fields, header has {header.Length}");
            var date = Date(f[col["date"]], _daily, line);
            if (!dateIndex.TryGetValue(date, out int d)) continue;
            string symbol = f[col["symbol"]];
            if (symbol.Length == 0) throw new InvalidDataException($"{_daily}: line {line}: empty symbol");
            symbols.Add(symbol);
            rows.Add((d, symbol, f, line));
        }
        var sym = symbols.ToArray();
        var symIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < sym.Length; i++) symIndex[sym[i]] = i;
        int n = sym.Length, days = dates.Length;
        long cells = (long)n * days;
        double[] Nan() { var a = new double[cells]; Array.Fill(a, double.NaN); return a; }
        var open = Nan(); var high = Nan(); var low = Nan(); var close = Nan(); var vwap = Nan(); var up = Nan(); var down = Nan();
        var adj = new double[cells]; Array.Fill(adj, 1.0);
        var listed = new bool[cells]; var st = new bool[cells]; var listedDays = new int[cells]; var listedGiven = new bool[cells];
        var weight = new double[cells]; var industry = new int[cells]; var size = new double[cells];
        var industries = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var r in rows) industries.Add(r.F[col["industry"]]);
        var industryNames = industries.ToArray();
        var industryIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < industryNames.Length; k++) industryIndex[industryNames[k]] = k;
        foreach (var (d, symbol, f, ln) in rows)
        {
            long k = (long)d * n + symIndex[symbol];
            if (listed[k]) throw new InvalidDataException($"{_daily}: line {ln}: duplicate row for {symbol} {dates[d]:yyyy-MM-dd}");
            listed[k] = true;
            double Num(string name, bool blankOk)
            {
                string v = f[col[name]];
                if (v.Length == 0 && blankOk) return double.NaN;
                if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x))
                    throw new InvalidDataException($"{_daily}: line {ln}: {name} '{v}' is not a number");
                return x;
            }
            open[k] = Num("open", true); high[k] = Num("high", true); low[k] = Num("low", true);
            close[k] = Num("close", true); vwap[k] = Num("vwap", true);
            bool anyBar = !double.IsNaN(open[k]) || !double.IsNaN(high[k]) || !double.IsNaN(low[k]) || !double.IsNaN(close[k]) || !double.IsNaN(vwap[k]);
            bool fullBar = open[k] > 0 && high[k] > 0 && low[k] > 0 && close[k] > 0 && vwap[k] > 0;
            if (anyBar && !fullBar) throw new InvalidDataException($"{_daily}: line {ln}: a bar needs open, high, low, close and vwap all > 0 (or all blank when suspended)");
            if (fullBar && !(low[k] <= high[k])) throw new InvalidDataException($"{_daily}: line {ln}: low above high");
            up[k] = Num("limit_up", true); down[k] = Num("limit_down", true);
            adj[k] = Num("adj_factor", false);
            if (!(adj[k] > 0)) throw new InvalidDataException($"{_daily}: line {ln}: adj_factor must be > 0");
            st[k] = f[col["is_st"]] switch
            {
                "0" => false, "1" => true,
                var v => throw new InvalidDataException($"{_daily}: line {ln}: is_st '{v}' is not 0 or 1"),
            };
            industry[k] = industryIndex[f[col["industry"]]];
            size[k] = Num("size", false);
            weight[k] = Num(weightName, false);
            if (!(weight[k] >= 0 && weight[k] <= 1)) throw new InvalidDataException($"{_daily}: line {ln}: {weightName} {weight[k]} outside [0,1]");
            if (listedCol >= 0)
            {
                if (!int.TryParse(f[listedCol], NumberStyles.None, CultureInfo.InvariantCulture, out int ld))
                    throw new InvalidDataException($"{_daily}: line {ln}: listed_days '{f[listedCol]}' is not a count");
                listedDays[k] = ld;
                listedGiven[k] = true;
            }
        }
        // Without listed_days: trading days since the symbol's first row in the file.
        for (int i = 0; i < n; i++)
        {
            int firstSeen = -1;
            for (int d = 0; d < days; d++)
            {
                long k = (long)d * n + i;
                if (!listed[k] || listedGiven[k]) continue;
                if (firstSeen < 0) firstSeen = d;
                listedDays[k] = d - firstSeen;
            }
        }
        return new MarketPanel
        {
            Dates = dates, Symbols = sym, Open = open, High = high, Low = low, Close = close, Vwap = vwap,
            LimitUp = up, LimitDown = down, AdjFactor = adj, Listed = listed, IsSt = st, ListedDays = listedDays,
            BenchmarkWeight = weight, Industry = industry, IndustryNames = industryNames, Size = size,
        };
    }

    public double[] LoadScore(MarketPanel panel, string score)
    {
        if (!File.Exists(_scores)) throw new FileNotFoundException($"{_scores}: not found");
        int n = panel.Stocks;
        var result = new double[(long)n * panel.Days];
        Array.Fill(result, double.NaN);
        var dateIndex = new Dictionary<DateOnly, int>();
        for (int d = 0; d < panel.Days; d++) dateIndex[panel.Dates[d]] = d;
        var symIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++) symIndex[panel.Symbols[i]] = i;
        using var reader = new StreamReader(_scores);
        var header = (reader.ReadLine() ?? throw new InvalidDataException($"{_scores}: empty file")).Split(',');
        var col = Columns(header, _scores, ["date", "symbol"]);
        int sc = Array.IndexOf(header, score);
        if (sc < 0) throw new InvalidDataException($"{_scores}: line 1: no score column '{score}' (have: {string.Join(", ", header.Skip(2))})");
        int line = 1;
        for (string? s; (s = reader.ReadLine()) is not null;)
        {
            line++;
            if (s.Length == 0) continue;
            var f = s.Split(',');
            if (f.Length != header.Length) throw new InvalidDataException($"{_scores}: line {line}: {f.Length} fields, header has {header.Length}");
            if (!dateIndex.TryGetValue(Date(f[col["date"]], _scores, line), out int d)) continue;
            if (!symIndex.TryGetValue(f[col["symbol"]], out int i)) continue;
            string v = f[sc];
            if (v.Length == 0 || v == "NaN") continue;
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x))
                throw new InvalidDataException($"{_scores}: line {line}: {score} '{v}' is not a number");
            result[(long)d * n + i] = x;
        }
        return result;
    }

    private static Dictionary<string, int> Columns(string[] header, string file, string[] required)
    {
        var col = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < header.Length; c++) col.TryAdd(header[c], c);
        foreach (var name in required)
            if (!col.ContainsKey(name)) throw new InvalidDataException($"{file}: line 1: missing column '{name}'");
        return col;
    }

    private static DateOnly Date(string s, string file, int line) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d : throw new InvalidDataException($"{file}: line {line}: date '{s}' is not YYYY-MM-DD");
}
