using Sig.Portfolio.Backtest;

namespace Sig.Portfolio.Io;

/// <summary>
/// Where `engine optimize` and `engine backtest` read their inputs: the daily market panel for
/// a benchmark and a score over the same dates and symbols. The CSV panel directory implements
/// it today; a feature-store adapter implements the same contract.
/// </summary>
public interface IPortfolioDataSource
{
    /// <summary>Every trading date the source holds, ascending.</summary>
    IReadOnlyList<DateOnly> Dates { get; }

    /// <summary>
    /// The panel over the source's dates from its first through <paramref name="to"/>
    /// (earlier dates are kept so listing ages count), benchmark weights from `&lt;benchmark&gt;_weight`.
    /// </summary>
    MarketPanel LoadPanel(DateOnly to, string benchmark);

    /// <summary>The score named <paramref name="score"/> per [d·n + i] of <paramref name="panel"/> (NaN where missing).</summary>
    double[] LoadScore(MarketPanel panel, string score);
}
