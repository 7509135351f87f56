using System.Text.Json.Serialization;

namespace Sig.Engine.Config;

/// <summary>Bounds of the index-enhancement LP (docs/portfolio.md). Weights are fractions of the portfolio.</summary>
public sealed record OptimizerOptions
{
    /// <summary>"CLP" or "GLOP" (both inside Google.OrTools; CLP measured faster on the enhancement LP).</summary>
    public string Solver { get; init; } = "CLP";
    /// <summary>Minimum Σ w over the benchmark's constituents.</summary>
    public double ConstituentFloor { get; init; } = 0.80;
    /// <summary>|w_i − b_i| ≤ this for every tradable stock.</summary>
    public double ActiveBound { get; init; } = 0.008;
    /// <summary>|Σ_{i∈k}(w_i − b_i)| ≤ this for every industry k.</summary>
    public double IndustryBound { get; init; } = 0.02;
    /// <summary>|Σ(w_i − b_i)·s_i| ≤ this for the size exposure s.</summary>
    public double SizeBound { get; init; } = 0.2;
    /// <summary>Turnover caps Σ|w − w⁰| of the strategies a backtest runs side by side.</summary>
    public double[] TurnoverCaps { get; init; } = [0.30, 0.40, 0.50];
    /// <summary>Trading days a stock must have been listed to be tradable.</summary>
    public int MinListedDays { get; init; } = 60;
}

/// <summary>Portfolio backtest settings: rebalancing and the cost model (docs/portfolio.md).</summary>
public sealed record BacktestOptions
{
    /// <summary>Rebalance on trading days 0, N, 2N, … of the run.</summary>
    public int RebalanceEveryDays { get; init; } = 5;
    /// <summary>Starting capital in CNY; it sizes orders for the minimum commission (and the lots in share mode).</summary>
    public double Capital { get; init; } = 100_000_000;
    /// <summary>Commission as a fraction of traded value, both sides.</summary>
    public double CommissionRate { get; init; } = 0.002;
    /// <summary>Minimum commission per order in CNY.</summary>
    public double MinCommission { get; init; }
    /// <summary>Stamp duty as a fraction of traded value, sells only.</summary>
    public double StampDutyRate { get; init; }
    /// <summary>Transfer fee as a fraction of traded value, both sides.</summary>
    public double TransferFeeRate { get; init; }
    /// <summary>Trading days in a year, for annualizing.</summary>
    public int DaysPerYear { get; init; } = 242;
}

/// <summary>
/// One strategy the optimizer close stage rebalances (docs/portfolio.md): its target weights
/// are stored and published as <c>portfolio.&lt;name&gt;</c>.
/// </summary>
public sealed record PortfolioStrategyOptions
{
    /// <summary>The strategy's name: letters, digits, '_' and '-' (it is part of a subject and a Msg-Id).</summary>
    public string Name { get; init; } = "";
    /// <summary>The index in the store's index_weights (e.g. "csi500").</summary>
    public string Benchmark { get; init; } = "csi500";
    /// <summary>Turnover cap Σ|w − w⁰|; null: none.</summary>
    public double? Turnover { get; init; }
    /// <summary>α: a daily factor, <c>z:&lt;factor&gt;</c>, <c>table:&lt;score table&gt;</c>, or <c>signals:&lt;model&gt;</c> (an earlier close stage's scores).</summary>
    public string Score { get; init; } = "";
    /// <summary>First rebalance date (YYYY-MM-DD); rebalances then every <c>portfolio.backtest.rebalanceEveryDays</c> trading days of the store's calendar. Null: the store's first date.</summary>
    public string? Anchor { get; init; }
}

/// <summary>The optimizer and backtest sections together.</summary>
public sealed record PortfolioOptions
{
    public OptimizerOptions Optimizer { get; init; } = new();
    public BacktestOptions Backtest { get; init; } = new();
    /// <summary>The optimizer close stage's strategies; absent unless configured, so configurations without it hash as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PortfolioStrategyOptions[]? Strategies { get; init; }
}
