using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Backtest;

/// <summary>What happened to one intended order.</summary>
public enum TradeStatus
{
    Filled,
    /// <summary>No bar on the trade day: the stock keeps its weight.</summary>
    Suspended,
    /// <summary>A buy on a one-price limit-up day: not filled.</summary>
    LimitUp,
    /// <summary>A sell on a one-price limit-down day: not filled.</summary>
    LimitDown,
    /// <summary>The holding lost its listing and was sold at its last close.</summary>
    Delisted,
}

/// <summary>One order (filled or blocked). Value in CNY; shares only in share mode (else NaN).</summary>
public readonly record struct Trade(DateOnly Date, string Symbol, bool Sell, double Price, double Shares, double Value, double Cost, TradeStatus Status);

/// <summary>One rebalance: the optimizer's outcome and what was executed on the next day.</summary>
public sealed record RebalanceRecord(DateOnly Date, OptimizerStatus Status, Relaxation Relaxation, double Objective,
    double TargetTurnover, double ExecutedTurnover, double SolveMilliseconds, bool WarmStarted);

/// <summary>A finished backtest of one strategy: daily net values, its benchmark, orders and rebalances.</summary>
public sealed class BacktestRun
{
    /// <summary>"tau=0.30" style label (or "tau=none").</summary>
    public required string Label { get; init; }
    public required double? TurnoverCap { get; init; }
    public required DateOnly[] Dates { get; init; }
    /// <summary>Portfolio value / starting capital, at each date's close.</summary>
    public required double[] Nav { get; init; }
    /// <summary>Benchmark index level (1 at the first date), from constituents' weights.</summary>
    public required double[] BenchmarkNav { get; init; }
    public required List<Trade> Trades { get; init; }
    public required List<RebalanceRecord> Rebalances { get; init; }
    public required string Solver { get; init; }
    public required string SolverVersion { get; init; }
    public required bool ShareMode { get; init; }
}
