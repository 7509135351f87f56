namespace Sig.Portfolio.Optimizer;

/// <summary>How a rebalance ended.</summary>
public enum OptimizerStatus
{
    /// <summary>An optimal solution of the LP (possibly relaxed, see <see cref="Relaxation"/>) that passed the bound check.</summary>
    Optimal,
    /// <summary>Infeasible even with every relaxation: the holdings w⁰ are kept.</summary>
    Infeasible,
    /// <summary>The solver failed or its solution broke an active bound: the holdings w⁰ are kept.</summary>
    Failed,
}

/// <summary>The relaxation that produced the weights, in the documented order.</summary>
public enum Relaxation
{
    None,
    /// <summary>The turnover cap was dropped.</summary>
    TurnoverDropped,
    /// <summary>The turnover cap and the size bound were dropped.</summary>
    TurnoverAndSizeDropped,
    /// <summary>No LP was feasible (or the solve failed): w⁰ kept.</summary>
    KeptHoldings,
}

/// <summary>
/// Which bounds the returned weights were checked against (and satisfy to 1e-9): the turnover
/// cap, the size bound, and the LP's other bounds (false when w⁰ was kept).
/// </summary>
public readonly record struct ActiveBounds(bool Turnover, bool Size, bool Lp)
{
    public static ActiveBounds None => new(false, false, false);
}

/// <summary>Exposures of a weight vector against the benchmark, for the summary and the manifest.</summary>
public readonly record struct PortfolioExposures(
    double ConstituentWeight, double MaxIndustryActive, double SizeActive, double Turnover, int Holdings);

/// <summary>The outcome of one rebalance: weights in the input's symbol order plus how they were found.</summary>
public sealed record OptimizerResult
{
    public required DateOnly Date { get; init; }
    public required OptimizerStatus Status { get; init; }
    public required Relaxation Relaxation { get; init; }
    public required double[] Weights { get; init; }
    /// <summary>αᵀw of the returned weights (NaN α read as 0).</summary>
    public required double Objective { get; init; }
    public required ActiveBounds Active { get; init; }
    public required PortfolioExposures Exposures { get; init; }
    /// <summary>"GLOP" or "CLP".</summary>
    public required string Solver { get; init; }
    public required string SolverVersion { get; init; }
    /// <summary>LP solves this rebalance took (1 plus one per relaxation tried).</summary>
    public required int Solves { get; init; }
    /// <summary>True when the solves reused the model (and basis) of the previous rebalance.</summary>
    public required bool WarmStarted { get; init; }
    /// <summary>Wall time of model update and solves, ms (reporting only; never shapes weights).</summary>
    public required double SolveMilliseconds { get; init; }
    /// <summary>Why the solve failed, for <see cref="OptimizerStatus.Failed"/>.</summary>
    public string? Failure { get; init; }
}
