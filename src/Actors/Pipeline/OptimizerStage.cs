using Sig.Engine.Config;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Portfolio.Optimizer;
using Sig.Portfolio.Strategies;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The optimizer close stage: on each strategy's rebalance dates (every
/// <c>portfolio.backtest.rebalanceEveryDays</c> trading days of the store's calendar from its
/// anchor) it solves the strategy's enhancement LP on the store's rows of the close, with the
/// previous targets read back from the store, stores the new targets (table
/// <c>portfolio_targets</c>) and produces <c>portfolio:&lt;strategy&gt;</c> on subject
/// <c>portfolio.&lt;strategy&gt;</c>. A strategy scored by <c>signals:&lt;model&gt;</c> takes α from that
/// product of an earlier stage. Strategies run in configuration order.
/// </summary>
public sealed class OptimizerStage : ICloseStage
{
    private readonly PortfolioOptions _portfolio;
    private readonly Func<IStrategyStore> _openStore;
    private readonly TextWriter _log;

    /// <param name="portfolio">The portfolio section; its strategies are validated here.</param>
    /// <param name="openStore">Opens the store as of now (called once per close, after the day's rows are written).</param>
    /// <param name="log">Receives one line per rebalance that did not end optimal.</param>
    public OptimizerStage(PortfolioOptions portfolio, Func<IStrategyStore> openStore, TextWriter? log = null)
    {
        StrategyRebalancer.Validate(portfolio);
        if (portfolio.Strategies is not { Length: > 0 }) throw new ArgumentException("portfolio.strategies: the optimizer stage needs at least one strategy");
        _portfolio = portfolio;
        _openStore = openStore;
        _log = log ?? TextWriter.Null;
        using var optimizer = new EnhancementOptimizer(portfolio.Optimizer);
        Solver = portfolio.Optimizer.Solver.ToUpperInvariant();
        SolverVersion = optimizer.SolverVersion();
    }

    public string Name => "optimizer";

    /// <summary>"CLP" or "GLOP".</summary>
    public string Solver { get; }

    /// <summary>The version OR-Tools reports for <see cref="Solver"/>.</summary>
    public string SolverVersion { get; }

    /// <summary>What shapes this stage's outputs, for the run manifest: solver, version, strategies.</summary>
    public string ManifestEntry =>
        $"optimizer: solver {Solver} {SolverVersion}; rebalance every {_portfolio.Backtest.RebalanceEveryDays} trading days; strategies "
        + string.Join(", ", _portfolio.Strategies!.Select(s =>
            $"{s.Name} (benchmark {s.Benchmark}, turnover {(s.Turnover is { } t ? FactorPayloads.Csv(t) : "none")}, score {s.Score}, anchor {s.Anchor ?? "first date"})"));

    public IReadOnlyList<CloseProduct> OnClose(MinuteOutput close, IReadOnlyList<CloseProduct> earlier)
    {
        var date = close.Snapshot.Date;
        var store = _openStore();
        var products = new List<CloseProduct>();
        foreach (var strategy in _portfolio.Strategies!)
        {
            if (!RebalanceSchedule.IsRebalanceDate(store.Dates, date, StrategyRebalancer.Anchor(strategy), _portfolio.Backtest.RebalanceEveryDays)) continue;
            var targets = StrategyRebalancer.Rebalance(store, strategy, _portfolio.Optimizer, date, Signals(strategy, earlier));
            if (targets.Status != "optimal" || targets.Relaxation != "none")
                _log.WriteLine($"portfolio {strategy.Name} {date:yyyy-MM-dd}: {targets.Status}, relaxation {targets.Relaxation}"
                               + (targets.Failure is null ? "" : $": {targets.Failure}"));
            products.Add(new CloseProduct("portfolio:" + strategy.Name, "portfolio." + strategy.Name, targets.Payload));
        }
        return products;
    }

    /// <summary>The payload of the earlier <c>signals:&lt;model&gt;</c> product the strategy's score names, if any.</summary>
    private static byte[]? Signals(PortfolioStrategyOptions strategy, IReadOnlyList<CloseProduct> earlier) =>
        strategy.Score.StartsWith(StrategyRebalancer.SignalsPrefix, StringComparison.Ordinal)
            ? earlier.FirstOrDefault(p => p.Kind == strategy.Score)?.Payload
            : null;
}
