using System.Globalization;
using Sig.Engine.Config;
using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Backtest;

/// <summary>
/// The index-enhancement backtest (docs/portfolio.md): rebalance at the close of every N-th
/// trading day with the LP, trade at the next day's VWAP (blocked stocks keep their weight,
/// the other targets are rescaled), mark daily from adjusted closes, sell delisted holdings at
/// their last close, charge costs to cash. Values are CNY from the configured capital; in share
/// mode orders are whole lots at the raw VWAP.
/// </summary>
public sealed class PortfolioBacktest
{
    private readonly MarketPanel _panel;
    private readonly OptimizerOptions _bounds;
    private readonly BacktestOptions _options;
    private readonly CostModel _costs;

    public PortfolioBacktest(MarketPanel panel, OptimizerOptions bounds, BacktestOptions options)
    {
        panel.Validate();
        if (options.RebalanceEveryDays < 1) throw new ArgumentException("backtest: rebalanceEveryDays must be ≥ 1");
        if (!(options.Capital > 0)) throw new ArgumentException("backtest: capital must be > 0");
        _panel = panel;
        _bounds = bounds;
        _options = options;
        _costs = CostModel.From(options);
    }

    /// <summary>Runs one strategy. <paramref name="score"/> is [d·n + i] like the panel (NaN: no view).</summary>
    public BacktestRun Run(double[] score, double? turnoverCap, bool shareMode)
    {
        var p = _panel;
        int n = p.Stocks, days = p.Days;
        if (score.Length != (long)n * days) throw new ArgumentException($"backtest: score has {score.Length} cells, expected {days}×{n}");
        var h = new double[n];           // position values, CNY, marked at lastPx
        var lastPx = new double[n];      // last adjusted price each position is marked at
        Array.Fill(lastPx, double.NaN);
        double cash = _options.Capital;
        var nav = new double[days];
        var bench = new double[days];
        var trades = new List<Trade>();
        var rebalances = new List<RebalanceRecord>();
        double[]? pending = null;
        OptimizerResult? pendingResult = null;
        using var optimizer = new EnhancementOptimizer(_bounds);
        bool first = true;
        for (int d = 0; d < days; d++)
        {
            int row = d * n;
            for (int i = 0; i < n; i++)
            {
                if (h[i] != 0 && !p.Listed[row + i])
                {
                    // Delisted: sold at the last close it is marked at.
                    double cost = _costs.Cost(h[i], sell: true);
                    trades.Add(new Trade(p.Dates[d], p.Symbols[i], true, lastPx[i], double.NaN, h[i], cost, TradeStatus.Delisted));
                    cash += h[i] - cost;
                    h[i] = 0;
                }
            }
            if (pending is not null)
            {
                for (int i = 0; i < n; i++)
                {
                    double vwap = p.Vwap[row + i];
                    if (double.IsNaN(vwap)) continue;
                    if (h[i] != 0) h[i] *= vwap / lastPx[i];
                    lastPx[i] = vwap;
                }
                double executed = Execute(d, pending, h, ref cash, trades, shareMode);
                rebalances.Add(new RebalanceRecord(pendingResult!.Date, pendingResult.Status, pendingResult.Relaxation, pendingResult.Objective,
                    pendingResult.Exposures.Turnover, executed, pendingResult.SolveMilliseconds, pendingResult.WarmStarted));
                pending = null;
            }
            double b = 0, bw = 0;
            for (int i = 0; i < n; i++)
            {
                double close = p.Close[row + i];
                double w = p.BenchmarkWeight[row + i];
                if (double.IsNaN(close)) { bw += w; continue; } // suspended constituents return 0
                double prev = lastPx[i];
                if (d > 0 && w > 0)
                {
                    double prevClose = PreviousClose(d, i);
                    bw += w;
                    if (!double.IsNaN(prevClose)) b += w * (close / prevClose - 1);
                }
                if (h[i] != 0) h[i] *= close / prev;
                lastPx[i] = close;
            }
            double value = cash;
            for (int i = 0; i < n; i++) value += h[i];
            nav[d] = value / _options.Capital;
            bench[d] = d == 0 ? 1 : bench[d - 1] * (1 + (bw > 0 ? b / bw : 0));
            if (d % _options.RebalanceEveryDays == 0 && d + 1 < days)
            {
                double[]? held = null;
                if (!first)
                {
                    held = new double[n];
                    for (int i = 0; i < n; i++) held[i] = h[i] > 0 ? h[i] / value : 0;
                }
                var input = p.RebalanceInput(d, score.AsSpan(row, n), held, _bounds.MinListedDays);
                pendingResult = optimizer.Optimize(input, turnoverCap);
                pending = pendingResult.Weights;
                first = false;
            }
        }
        return new BacktestRun
        {
            Label = Label(turnoverCap), TurnoverCap = turnoverCap, Dates = p.Dates, Nav = nav, BenchmarkNav = bench,
            Trades = trades, Rebalances = rebalances, Solver = _bounds.Solver.ToUpperInvariant(), SolverVersion = optimizer.SolverVersion(),
            ShareMode = shareMode,
        };
    }

    /// <summary>"tau=0.30", or "tau=none" without a cap.</summary>
    public static string Label(double? cap) => cap is { } c ? "tau=" + c.ToString("0.00", CultureInfo.InvariantCulture) : "tau=none";

    private double PreviousClose(int d, int i)
    {
        int n = _panel.Stocks;
        for (int e = d - 1; e >= 0; e--)
        {
            double c = _panel.Close[e * n + i];
            if (!double.IsNaN(c)) return c;
            if (!_panel.Listed[e * n + i]) return double.NaN;
        }
        return double.NaN;
    }

    /// <summary>
    /// Moves the positions (marked at today's VWAP) to the targets. A stock without a bar, a
    /// buy on a one-price limit-up day and a sell on a one-price limit-down day keep their
    /// current weight; the other targets are rescaled to fill the rest (repeated until no new
    /// stock is blocked, since rescaling can turn a buy into a sell). Returns Σ|traded| / value.
    /// </summary>
    private double Execute(int d, double[] target, double[] h, ref double cash, List<Trade> trades, bool shareMode)
    {
        var p = _panel;
        int n = p.Stocks, row = d * n;
        double value = cash;
        for (int i = 0; i < n; i++) value += h[i];
        var blocked = new TradeStatus?[n];
        var goal = new double[n];
        while (true)
        {
            double kept = 0, free = 0;
            for (int i = 0; i < n; i++)
            {
                if (blocked[i] is not null) kept += h[i] / value;
                else free += target[i];
            }
            double scale = free > 0 ? Math.Max(0, 1 - kept) / free : 0;
            bool changed = false;
            for (int i = 0; i < n; i++)
            {
                if (blocked[i] is not null) continue;
                goal[i] = target[i] * scale * value;
                double delta = goal[i] - h[i];
                if (Math.Abs(delta) <= 1e-12 * value) continue;
                TradeStatus? block = !p.HasBar(d, i) ? TradeStatus.Suspended
                    : delta > 0 && p.BuyBlocked(d, i) ? TradeStatus.LimitUp
                    : delta < 0 && p.SellBlocked(d, i) ? TradeStatus.LimitDown
                    : null;
                if (block is null) continue;
                blocked[i] = block;
                trades.Add(new Trade(p.Dates[d], p.Symbols[i], delta < 0, p.Vwap[row + i], double.NaN, Math.Abs(delta), 0, block.Value));
                changed = true;
            }
            if (!changed) break;
        }
        double traded = 0;
        // Sells first, then buys, so share mode spends what the sells raised.
        for (int pass = 0; pass < 2; pass++)
        {
            bool sells = pass == 0;
            for (int i = 0; i < n; i++)
            {
                if (blocked[i] is not null) continue;
                double delta = goal[i] - h[i];
                if (Math.Abs(delta) <= 1e-12 * value || (delta < 0) != sells) continue;
                double vwap = p.Vwap[row + i];
                double shares = double.NaN, price = vwap;
                if (shareMode)
                {
                    price = vwap / p.AdjFactor[row + i];
                    if (sells && goal[i] <= 0) shares = h[i] / price;
                    else shares = LotRules.RoundDown(p.Symbols[i], Math.Abs(delta) / price);
                    if (shares == 0) continue;
                    delta = sells ? (goal[i] <= 0 ? -h[i] : -shares * price) : shares * price;
                }
                double cost = _costs.Cost(Math.Abs(delta), sells);
                h[i] += delta;
                if (sells && goal[i] <= 0) h[i] = 0;
                cash -= delta + cost;
                traded += Math.Abs(delta);
                trades.Add(new Trade(p.Dates[d], p.Symbols[i], sells, price, shares, Math.Abs(delta), cost, TradeStatus.Filled));
            }
        }
        return traded / value;
    }
}
