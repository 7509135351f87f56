using Sig.Portfolio.Io;

namespace Sig.Portfolio.Strategies;

/// <summary>
/// What the optimizer close stage reads and writes: the portfolio inputs as of a date (the
/// feature store's rows) and each strategy's stored target weights. The stage keeps nothing
/// else, so a restart or a recovery that re-runs a date reads the same previous weights.
/// </summary>
public interface IStrategyStore : IPortfolioDataSource
{
    /// <summary>The strategy's latest stored targets strictly before <paramref name="date"/> (symbols ascending), or null.</summary>
    (DateOnly Date, IReadOnlyList<(string Symbol, double Weight)> Weights)? TargetsBefore(string strategy, DateOnly date);

    /// <summary>Stores the strategy's targets of <paramref name="date"/>, replacing any stored for that date.</summary>
    void WriteTargets(string strategy, DateOnly date, IReadOnlyList<(string Symbol, double Weight)> weights, string status, string relaxation);
}
