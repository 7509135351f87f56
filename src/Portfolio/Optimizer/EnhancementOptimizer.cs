using System.Diagnostics;
using Sig.Engine.Config;

namespace Sig.Portfolio.Optimizer;

/// <summary>
/// Maximizes αᵀw under the enhancement constraints, relaxing in the documented order when the
/// LP is infeasible (drop the turnover cap, then the size bound, then keep w⁰). The model of the
/// previous rebalance is kept and updated when the symbol and industry lists are unchanged, so
/// the solver warm-starts from its last basis. Never throws for a solver failure and never
/// returns weights that break a bound it reports as active.
/// </summary>
public sealed class EnhancementOptimizer : IDisposable
{
    private readonly OptimizerOptions _bounds;
    private EnhancementLp? _model;

    public EnhancementOptimizer(OptimizerOptions bounds)
    {
        _bounds = bounds;
        if (bounds.Solver.ToUpperInvariant() is not ("GLOP" or "CLP"))
            throw new ArgumentException($"optimizer solver '{bounds.Solver}': expected GLOP or CLP");
    }

    /// <summary>The solver version string OR-Tools reports (creates a throwaway solver when none is built yet).</summary>
    public string SolverVersion()
    {
        if (_model is not null) return _model.SolverVersion;
        using var s = Google.OrTools.LinearSolver.Solver.CreateSolver(_bounds.Solver.ToUpperInvariant());
        return s?.SolverVersion() ?? "unavailable";
    }

    /// <summary>One rebalance. <paramref name="turnoverCap"/> applies only when the input has holdings.</summary>
    public OptimizerResult Optimize(RebalanceInput input, double? turnoverCap)
    {
        input.Validate();
        var clock = Stopwatch.StartNew(); // wall-clock ok: solve time is reported, never used for weights
        var limits = LpLimits.From(input, _bounds, turnoverCap);
        bool capped = !double.IsPositiveInfinity(limits.TurnoverCap);
        bool warm = _model is not null && _model.Fits(input);
        string solverName = _bounds.Solver.ToUpperInvariant();
        string version = "";
        int solves = 0;
        try
        {
            if (!warm)
            {
                _model?.Dispose();
                _model = null;
                _model = new EnhancementLp(solverName, input.Symbols, input.Industry, input.IndustryNames.Length);
            }
            var model = _model!;
            version = model.SolverVersion;
            model.Load(input, limits);
            var weights = new double[input.Count];
            var steps = new List<Relaxation> { Relaxation.None };
            if (capped) steps.Add(Relaxation.TurnoverDropped);
            steps.Add(Relaxation.TurnoverAndSizeDropped);
            foreach (var step in steps)
            {
                if (step != Relaxation.None) model.SetTurnoverCap(double.PositiveInfinity);
                if (step == Relaxation.TurnoverAndSizeDropped) model.SetSizeBound(limits, on: false);
                solves++;
                var outcome = model.Solve(weights);
                if (outcome == LpOutcome.Infeasible) continue;
                if (outcome == LpOutcome.Failed)
                    return Kept(input, OptimizerStatus.Failed, "the solver did not reach an optimum", clock, solves, warm, solverName, version);
                bool turnoverOn = capped && step == Relaxation.None;
                bool sizeOn = step != Relaxation.TurnoverAndSizeDropped;
                var violation = BoundCheck.FirstViolation(input, _bounds, weights, turnoverOn ? limits.TurnoverCap : null, sizeOn);
                if (violation is not null)
                    return Kept(input, OptimizerStatus.Failed, "solution breaks a bound: " + violation, clock, solves, warm, solverName, version);
                return new OptimizerResult
                {
                    Date = input.Date, Status = OptimizerStatus.Optimal, Relaxation = step, Weights = weights,
                    Objective = Objective(input, weights), Active = new ActiveBounds(turnoverOn, sizeOn, true),
                    Exposures = BoundCheck.Exposures(input, weights), Solver = solverName, SolverVersion = version,
                    Solves = solves, WarmStarted = warm, SolveMilliseconds = clock.Elapsed.TotalMilliseconds,
                };
            }
            return Kept(input, OptimizerStatus.Infeasible, null, clock, solves, warm, solverName, version);
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            // A native or wrapper failure must not end a run: forget the model (its state is unknown) and keep w⁰.
            _model?.Dispose();
            _model = null;
            return Kept(input, OptimizerStatus.Failed, ex.Message, clock, solves, warm, solverName, version);
        }
    }

    private static OptimizerResult Kept(RebalanceInput input, OptimizerStatus status, string? failure, Stopwatch clock,
        int solves, bool warm, string solver, string version)
    {
        var w = input.Held is null ? new double[input.Count] : (double[])input.Held.Clone();
        double objective = Objective(input, w);
        return new OptimizerResult
        {
            Date = input.Date, Status = status, Relaxation = Relaxation.KeptHoldings, Weights = w, Objective = objective,
            Active = ActiveBounds.None, Exposures = BoundCheck.Exposures(input, w), Solver = solver, SolverVersion = version,
            Solves = solves, WarmStarted = warm, SolveMilliseconds = clock.Elapsed.TotalMilliseconds, Failure = failure,
        };
    }

    /// <summary>αᵀw in symbol order (NaN α counts 0).</summary>
    private static double Objective(RebalanceInput input, double[] w)
    {
        double objective = 0;
        for (int i = 0; i < w.Length; i++)
            if (!double.IsNaN(input.Alpha[i])) objective += input.Alpha[i] * w[i];
        return objective;
    }

    public void Dispose()
    {
        _model?.Dispose();
        _model = null;
    }
}
