using System.Globalization;
using System.Text;
using Sig.Portfolio.Backtest;
using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Io;

/// <summary>The optimizer's and the backtest's CSV files (docs/portfolio.md), and the CSV panel writer.</summary>
public static class PortfolioCsv
{
    /// <summary>Shortest round-trip text; blank for NaN.</summary>
    public static string Num(double x) => double.IsNaN(x) ? "" : x.ToString("R", CultureInfo.InvariantCulture);

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>weights.csv: symbol,weight,benchmark_weight,alpha,industry,size_exposure,prev_weight (one row per listed stock).</summary>
    public static void WriteWeights(string path, RebalanceInput input, OptimizerResult result, bool[] listed)
    {
        var sb = new StringBuilder("symbol,weight,benchmark_weight,alpha,industry,size_exposure,prev_weight\n");
        for (int i = 0; i < input.Count; i++)
        {
            if (!listed[i] && result.Weights[i] == 0 && (input.Held?[i] ?? 0) == 0) continue;
            sb.Append(input.Symbols[i]).Append(',').Append(Num(result.Weights[i])).Append(',').Append(Num(input.BenchmarkWeight[i]))
              .Append(',').Append(Num(input.Alpha[i])).Append(',').Append(input.IndustryNames[input.Industry[i]])
              .Append(',').Append(Num(input.SizeExposure[i])).Append(',').Append(Num(input.Held?[i] ?? 0)).Append('\n');
        }
        WriteAtomic(path, sb.ToString());
    }

    /// <summary>Reads symbol → weight from a weights.csv (columns found by header name).</summary>
    public static Dictionary<string, double> ReadWeights(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty file");
        var header = lines[0].Split(',');
        int s = Array.IndexOf(header, "symbol"), w = Array.IndexOf(header, "weight");
        if (s < 0 || w < 0) throw new InvalidDataException($"{path}: line 1: needs columns 'symbol' and 'weight'");
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int k = 1; k < lines.Length; k++)
        {
            if (lines[k].Length == 0) continue;
            var f = lines[k].Split(',');
            if (f.Length != header.Length) throw new InvalidDataException($"{path}: line {k + 1}: {f.Length} fields, header has {header.Length}");
            if (!double.TryParse(f[w], NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !(x >= 0) || !double.IsFinite(x))
                throw new InvalidDataException($"{path}: line {k + 1}: weight '{f[w]}' is not a non-negative number");
            if (!result.TryAdd(f[s], x)) throw new InvalidDataException($"{path}: line {k + 1}: duplicate symbol {f[s]}");
        }
        return result;
    }

    /// <summary>metrics.csv: one row per strategy plus the benchmark.</summary>
    public static void WriteMetrics(string path, IReadOnlyList<(string Portfolio, BacktestMetrics M)> rows)
    {
        var sb = new StringBuilder("portfolio,annual_return,annual_volatility,sharpe,max_drawdown,annual_excess_return,tracking_error,excess_max_drawdown,information_ratio,calmar,monthly_win_rate,turnover\n");
        foreach (var (name, m) in rows)
            sb.Append(name).Append(',').AppendJoin(',', new[]
            {
                m.AnnualReturn, m.AnnualVolatility, m.Sharpe, m.MaxDrawdown, m.AnnualExcessReturn, m.TrackingError,
                m.ExcessMaxDrawdown, m.InformationRatio, m.Calmar, m.MonthlyWinRate, m.Turnover,
            }.Select(Num)).Append('\n');
        WriteAtomic(path, sb.ToString());
    }

    /// <summary>yearly.csv: year, portfolio, return, benchmark_return, excess_return.</summary>
    public static void WriteYearly(string path, IReadOnlyList<BacktestRun> runs)
    {
        var sb = new StringBuilder("year,portfolio,return,benchmark_return,excess_return\n");
        foreach (var run in runs)
            foreach (var (year, r, b, e) in BacktestMetrics.Yearly(run.Dates, run.Nav, run.BenchmarkNav))
                sb.Append(year).Append(',').Append(run.Label).Append(',').Append(Num(r)).Append(',').Append(Num(b)).Append(',').Append(Num(e)).Append('\n');
        WriteAtomic(path, sb.ToString());
    }

    /// <summary>nav.csv: date, portfolio, nav, benchmark_nav, excess_nav (the cumulative excess chart's data).</summary>
    public static void WriteNav(string path, IReadOnlyList<BacktestRun> runs)
    {
        var sb = new StringBuilder("date,portfolio,nav,benchmark_nav,excess_nav\n");
        foreach (var run in runs)
        {
            var excess = BacktestMetrics.ExcessNav(run.Nav, run.BenchmarkNav);
            for (int d = 0; d < run.Dates.Length; d++)
                sb.Append(Day(run.Dates[d])).Append(',').Append(run.Label).Append(',').Append(Num(run.Nav[d])).Append(',')
                  .Append(Num(run.BenchmarkNav[d])).Append(',').Append(Num(excess[d])).Append('\n');
        }
        WriteAtomic(path, sb.ToString());
    }

    /// <summary>trades.csv: date, portfolio, symbol, side, price, shares, value, cost, status.</summary>
    public static void WriteTrades(string path, IReadOnlyList<BacktestRun> runs)
    {
        var sb = new StringBuilder("date,portfolio,symbol,side,price,shares,value,cost,status\n");
        foreach (var run in runs)
            foreach (var t in run.Trades)
                sb.Append(Day(t.Date)).Append(',').Append(run.Label).Append(',').Append(t.Symbol).Append(',').Append(t.Sell ? "sell" : "buy")
                  .Append(',').Append(Num(t.Price)).Append(',').Append(Num(t.Shares)).Append(',').Append(Num(t.Value)).Append(',')
                  .Append(Num(t.Cost)).Append(',').Append(StatusName(t.Status)).Append('\n');
        WriteAtomic(path, sb.ToString());
    }

    /// <summary>rebalances.csv: one row per rebalance and strategy: the LP's status, relaxation, objective and turnovers.</summary>
    public static void WriteRebalances(string path, IReadOnlyList<BacktestRun> runs)
    {
        var sb = new StringBuilder("date,portfolio,status,relaxation,objective,target_turnover,executed_turnover\n");
        foreach (var run in runs)
            foreach (var r in run.Rebalances)
                sb.Append(Day(r.Date)).Append(',').Append(run.Label).Append(',').Append(StatusName(r.Status)).Append(',')
                  .Append(RelaxationName(r.Relaxation)).Append(',').Append(Num(r.Objective)).Append(',').Append(Num(r.TargetTurnover))
                  .Append(',').Append(Num(r.ExecutedTurnover)).Append('\n');
        WriteAtomic(path, sb.ToString());
    }

    public static string StatusName(OptimizerStatus s) => s switch
    {
        OptimizerStatus.Optimal => "optimal", OptimizerStatus.Infeasible => "infeasible", _ => "failed",
    };

    public static string StatusName(TradeStatus s) => s switch
    {
        TradeStatus.Filled => "filled", TradeStatus.Suspended => "suspended", TradeStatus.LimitUp => "limit_up",
        TradeStatus.LimitDown => "limit_down", _ => "delisted",
    };

    public static string RelaxationName(Relaxation r) => r switch
    {
        Relaxation.None => "none", Relaxation.TurnoverDropped => "turnover_dropped",
        Relaxation.TurnoverAndSizeDropped => "turnover_and_size_dropped", _ => "kept_holdings",
    };

    /// <summary>Writes a CSV panel directory (daily.csv, scores.csv) for a benchmark name and named scores.</summary>
    public static void WritePanel(string directory, MarketPanel p, string benchmark, IReadOnlyList<(string Name, double[] Values)> scores)
    {
        Directory.CreateDirectory(directory);
        int n = p.Stocks;
        using (var w = new StreamWriter(Path.Combine(directory, "daily.csv")))
        {
            w.Write($"date,symbol,open,high,low,close,vwap,limit_up,limit_down,adj_factor,is_st,industry,size,listed_days,{benchmark}_weight\n");
            for (int d = 0; d < p.Days; d++)
                for (int i = 0; i < n; i++)
                {
                    long k = (long)d * n + i;
                    if (!p.Listed[k]) continue;
                    w.Write($"{Day(p.Dates[d])},{p.Symbols[i]},{Num(p.Open[k])},{Num(p.High[k])},{Num(p.Low[k])},{Num(p.Close[k])},{Num(p.Vwap[k])},"
                            + $"{Num(p.LimitUp[k])},{Num(p.LimitDown[k])},{Num(p.AdjFactor[k])},{(p.IsSt[k] ? 1 : 0)},{p.IndustryNames[p.Industry[k]]},"
                            + $"{Num(p.Size[k])},{p.ListedDays[k]},{Num(p.BenchmarkWeight[k])}\n");
                }
        }
        using (var w = new StreamWriter(Path.Combine(directory, "scores.csv")))
        {
            w.Write("date,symbol," + string.Join(',', scores.Select(s => s.Name)) + "\n");
            for (int d = 0; d < p.Days; d++)
                for (int i = 0; i < n; i++)
                {
                    long k = (long)d * n + i;
                    if (!p.Listed[k]) continue;
                    w.Write($"{Day(p.Dates[d])},{p.Symbols[i]}");
                    foreach (var (_, v) in scores) w.Write("," + Num(v[k]));
                    w.Write('\n');
                }
        }
    }

    private static void WriteAtomic(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
