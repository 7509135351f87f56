using System.Globalization;
using System.Text.RegularExpressions;
using Sig.Engine.Config;
using Sig.Portfolio.Io;
using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Strategies;

/// <summary>One strategy's rebalance at a close: the targets stored and published, and the optimizer's result.</summary>
/// <param name="Date">The rebalance date (the close).</param>
/// <param name="Strategy">The strategy's name.</param>
/// <param name="Symbols">Symbols with a positive target weight, ascending (ordinal).</param>
/// <param name="Weights">Their weights.</param>
/// <param name="Turnover">Σ|w − w⁰| over all symbols (w⁰ the previous targets; on a first rebalance Σw).</param>
/// <param name="Status"><c>optimal</c>, <c>infeasible</c> or <c>failed</c>.</param>
/// <param name="Relaxation"><c>none</c>, <c>turnover_dropped</c>, <c>turnover_and_size_dropped</c> or <c>kept_holdings</c>.</param>
/// <param name="Result">The optimizer's result; null when the inputs could not be built (then <paramref name="Failure"/> says why).</param>
/// <param name="Failure">Why the targets were kept, for status <c>failed</c>.</param>
/// <param name="Payload">The canonical <c>portfolio.&lt;strategy&gt;</c> bytes.</param>
public sealed record StrategyTargets(DateOnly Date, string Strategy, string[] Symbols, double[] Weights, double Turnover,
    string Status, string Relaxation, OptimizerResult? Result, string? Failure, byte[] Payload);

/// <summary>
/// Solves one strategy's enhancement LP at a rebalance close from the store's rows as of that
/// date, with the strategy's previous stored targets as w⁰ (turnover cap on them; none when the
/// strategy has no stored targets yet), stores the new targets and returns their payload.
/// Every solve starts from a fresh model: a warm start would make the bytes depend on what the
/// process solved before, and a restart must give the same bytes as an uninterrupted run.
/// A solve that fails, or inputs that cannot be built (a missing benchmark, score or signal),
/// keep the previous targets with status <c>failed</c>; nothing here stops a run.
/// </summary>
public static partial class StrategyRebalancer
{
    /// <summary>The score prefix that takes α from an earlier close stage's <c>signals:&lt;model&gt;</c> product.</summary>
    public const string SignalsPrefix = "signals:";

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex NamePattern();

    /// <summary>Checks the configured strategies; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public static void Validate(PortfolioOptions portfolio)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (portfolio.Backtest.RebalanceEveryDays < 1)
            throw new ArgumentException($"portfolio.backtest.rebalanceEveryDays must be ≥ 1, not {portfolio.Backtest.RebalanceEveryDays}");
        var solver = portfolio.Optimizer.Solver.ToUpperInvariant();
        if (solver is not ("CLP" or "GLOP")) throw new ArgumentException($"portfolio.optimizer.solver '{portfolio.Optimizer.Solver}': expected CLP or GLOP");
        foreach (var s in portfolio.Strategies ?? [])
        {
            string at = $"portfolio.strategies '{s.Name}'";
            if (!NamePattern().IsMatch(s.Name)) throw new ArgumentException($"{at}: a name is letters, digits, '_' and '-' (it is part of a subject)");
            if (!names.Add(s.Name)) throw new ArgumentException($"{at}: the name is used twice");
            if (string.IsNullOrWhiteSpace(s.Benchmark)) throw new ArgumentException($"{at}: benchmark is empty");
            if (string.IsNullOrWhiteSpace(s.Score) || s.Score is SignalsPrefix or "z:" or "table:")
                throw new ArgumentException($"{at}: score must name a factor, z:<factor>, table:<table> or signals:<model>");
            if (s.Turnover is { } t && !(t >= 0 && double.IsFinite(t))) throw new ArgumentException($"{at}: turnover {t} must be ≥ 0 (or absent: no cap)");
            if (s.Anchor is not null) Anchor(s);
        }
    }

    /// <summary>The strategy's anchor date, or null.</summary>
    public static DateOnly? Anchor(PortfolioStrategyOptions s) =>
        s.Anchor is null ? null
        : DateOnly.TryParseExact(s.Anchor, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
        : throw new ArgumentException($"portfolio.strategies '{s.Name}': anchor '{s.Anchor}' is not a YYYY-MM-DD date");

    /// <summary>
    /// Rebalances <paramref name="strategy"/> at <paramref name="date"/>'s close and stores the
    /// targets. <paramref name="signals"/> is the payload of the <c>signals:&lt;model&gt;</c> product a
    /// <c>signals:</c> score names when an earlier stage produced it at this close, else null.
    /// </summary>
    public static StrategyTargets Rebalance(IStrategyStore store, PortfolioStrategyOptions strategy, OptimizerOptions bounds,
        DateOnly date, byte[]? signals)
    {
        var previous = store.TargetsBefore(strategy.Name, date);
        StrategyTargets targets;
        try
        {
            targets = Solve(store, strategy, bounds, date, signals, previous?.Weights);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or InvalidOperationException)
        {
            // The store's rows cannot feed this strategy today (a benchmark or score it lacks): keep the targets.
            var kept = previous?.Weights ?? [];
            targets = Make(date, strategy.Name, [.. kept.Select(k => k.Symbol)], [.. kept.Select(k => k.Weight)], 0,
                PortfolioCsv.StatusName(OptimizerStatus.Failed), PortfolioCsv.RelaxationName(Relaxation.KeptHoldings), null, ex.Message);
        }
        store.WriteTargets(strategy.Name, date, [.. targets.Symbols.Zip(targets.Weights)], targets.Status, targets.Relaxation);
        return targets;
    }

    private static StrategyTargets Solve(IStrategyStore store, PortfolioStrategyOptions strategy, OptimizerOptions bounds, DateOnly date,
        byte[]? signals, IReadOnlyList<(string Symbol, double Weight)>? previous)
    {
        var panel = store.LoadPanel(date, strategy.Benchmark);
        int d = panel.Days - 1, n = panel.Stocks;
        if (panel.Dates[d] != date) throw new InvalidDataException($"the store has no rows of {date:yyyy-MM-dd}");
        double[] alpha;
        if (strategy.Score.StartsWith(SignalsPrefix, StringComparison.Ordinal))
        {
            if (signals is null) throw new InvalidDataException($"no {strategy.Score} product at this close (its model stage must run before the optimizer)");
            var (day, _, scores) = PortfolioPayload.ReadSignals(signals, strategy.Score);
            if (day != date) throw new InvalidDataException($"{strategy.Score} is dated {day:yyyy-MM-dd}, not the close's {date:yyyy-MM-dd}");
            alpha = [.. panel.Symbols.Select(s => scores.TryGetValue(s, out double x) ? x : double.NaN)];
        }
        else alpha = store.LoadScore(panel, strategy.Score).AsSpan(d * n, n).ToArray();

        double[]? held = null;
        if (previous is not null)
        {
            var index = new Dictionary<string, int>(n, StringComparer.Ordinal);
            for (int i = 0; i < n; i++) index[panel.Symbols[i]] = i;
            held = new double[n];
            foreach (var (symbol, weight) in previous)
            {
                if (!index.TryGetValue(symbol, out int i)) throw new InvalidDataException($"previous target {symbol} is not in the store");
                // A delisted holding was sold at its last close (as the backtest does): it is not carried over.
                if (panel.Listed[d * n + i]) held[i] = weight;
            }
        }
        var input = panel.RebalanceInput(d, alpha, held, bounds.MinListedDays);
        using var optimizer = new EnhancementOptimizer(bounds);
        var result = optimizer.Optimize(input, strategy.Turnover);
        var order = Enumerable.Range(0, n).Where(i => result.Weights[i] > 0).OrderBy(i => input.Symbols[i], StringComparer.Ordinal).ToArray();
        return Make(date, strategy.Name, [.. order.Select(i => input.Symbols[i])], [.. order.Select(i => result.Weights[i])],
            result.Exposures.Turnover, PortfolioCsv.StatusName(result.Status), PortfolioCsv.RelaxationName(result.Relaxation), result, result.Failure);
    }

    private static StrategyTargets Make(DateOnly date, string strategy, string[] symbols, double[] weights, double turnover,
        string status, string relaxation, OptimizerResult? result, string? failure) =>
        new(date, strategy, symbols, weights, turnover, status, relaxation, result, failure,
            PortfolioPayload.Targets(date, strategy, symbols, weights, turnover, status));
}
