using Sig.Engine.Config;
using Sig.Portfolio.Backtest;
using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Io;

/// <summary>One optimization as `engine optimize` runs it.</summary>
public sealed record OptimizeOutcome(RebalanceInput Input, OptimizerResult Result, bool[] Listed);

/// <summary>The optimize and backtest jobs behind the CLI, over any <see cref="IPortfolioDataSource"/>.</summary>
public static class EnhancementJobs
{
    /// <summary>
    /// The LP for one date. <paramref name="previous"/> (symbol → weight) are the holdings w⁰;
    /// without them this is a first rebalance (no turnover cap).
    /// </summary>
    public static OptimizeOutcome Optimize(IPortfolioDataSource source, DateOnly date, string score, string benchmark,
        double? turnoverCap, IReadOnlyDictionary<string, double>? previous, OptimizerOptions bounds)
    {
        if (!source.Dates.Contains(date)) throw new ArgumentException($"{date:yyyy-MM-dd} is not a trading date of the source");
        var panel = source.LoadPanel(date, benchmark);
        var scores = source.LoadScore(panel, score);
        int d = panel.Days - 1, n = panel.Stocks;
        double[]? held = null;
        if (previous is not null)
        {
            held = new double[n];
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < n; i++) index[panel.Symbols[i]] = i;
            foreach (var (symbol, w) in previous.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (w == 0) continue;
                if (!index.TryGetValue(symbol, out int i)) throw new ArgumentException($"previous weights: {symbol} is not in the source");
                held[i] = w;
            }
        }
        var input = panel.RebalanceInput(d, scores.AsSpan(d * n, n), held, bounds.MinListedDays);
        using var optimizer = new EnhancementOptimizer(bounds);
        var result = optimizer.Optimize(input, turnoverCap);
        return new OptimizeOutcome(input, result, panel.Listed.AsSpan(d * n, n).ToArray());
    }

    /// <summary>One backtest per turnover cap (null: no cap) over [from, to]; runs share the panel.</summary>
    public static List<BacktestRun> Backtest(IPortfolioDataSource source, DateOnly from, DateOnly to, string score, string benchmark,
        IReadOnlyList<double?> caps, bool shareMode, OptimizerOptions bounds, BacktestOptions options)
    {
        var full = source.LoadPanel(to, benchmark);
        var (panel, scores) = full.Slice(source.LoadScore(full, score), from, to);
        var backtest = new PortfolioBacktest(panel, bounds, options);
        return caps.Select(c => backtest.Run(scores, c, shareMode)).ToList();
    }
}
