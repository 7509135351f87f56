using Google.OrTools.LinearSolver;

namespace Sig.Portfolio.Optimizer;

/// <summary>Outcome of one LP solve, mapped from OR-Tools' result status.</summary>
public enum LpOutcome
{
    Optimal,
    Infeasible,
    /// <summary>Unbounded, abnormal, not solved, invalid model, or only feasible (not proven optimal).</summary>
    Failed,
}

/// <summary>
/// The enhancement LP held in one OR-Tools solver: variables w (weights) and t (turnover
/// auxiliaries, t_i ≥ ±(w_i − w⁰_i)), rows budget, constituent floor, one per industry, size,
/// the 2n turnover links and the turnover cap. Built once for a symbol list and industry
/// list; a later rebalance over the same lists only updates coefficients and bounds, so the
/// solver starts from the basis it ended with (GLOP and CLP both keep it). Owns native
/// memory: dispose it.
/// </summary>
public sealed class EnhancementLp : IDisposable
{
    private readonly Solver _solver;
    private readonly MPSolverParameters _parameters;
    private readonly Variable[] _w;
    private readonly Variable[] _t;
    private readonly Constraint _floor;
    private readonly Constraint[] _industry;
    private readonly Constraint _size;
    private readonly Constraint[] _up;
    private readonly Constraint[] _down;
    private readonly Constraint _turnover;
    private readonly Objective _objective;
    private readonly bool[] _inFloor;
    private readonly double[] _sizeCoef;

    /// <summary>The symbols and industry of each, as built; a rebalance over other lists needs a new model.</summary>
    public string[] Symbols { get; }
    public int[] Industry { get; }
    public string SolverName { get; }
    public string SolverVersion { get; }

    /// <summary>Solves so far on this model.</summary>
    public int SolveCount { get; private set; }

    public EnhancementLp(string solverName, string[] symbols, int[] industry, int industries)
    {
        string name = solverName.ToUpperInvariant();
        if (name is not ("GLOP" or "CLP"))
            throw new ArgumentException($"optimizer solver '{solverName}': expected GLOP or CLP");
        _solver = Solver.CreateSolver(name) ?? throw new InvalidOperationException($"OR-Tools has no {name} solver in this build");
        try
        {
            _parameters = new MPSolverParameters();
            _parameters.SetIntegerParam(MPSolverParameters.IntegerParam.INCREMENTALITY, (int)MPSolverParameters.IncrementalityValues.INCREMENTALITY_ON);
            SolverName = name;
            SolverVersion = _solver.SolverVersion();
            Symbols = symbols;
            Industry = industry;
            int n = symbols.Length;
            _w = new Variable[n];
            _t = new Variable[n];
            _up = new Constraint[n];
            _down = new Constraint[n];
            _inFloor = new bool[n];
            _sizeCoef = new double[n];
            var budget = _solver.MakeConstraint(1, 1, "budget");
            _floor = _solver.MakeConstraint(double.NegativeInfinity, double.PositiveInfinity, "floor");
            _industry = new Constraint[industries];
            for (int k = 0; k < industries; k++)
                _industry[k] = _solver.MakeConstraint(double.NegativeInfinity, double.PositiveInfinity, "ind" + k);
            _size = _solver.MakeConstraint(double.NegativeInfinity, double.PositiveInfinity, "size");
            _turnover = _solver.MakeConstraint(double.NegativeInfinity, double.PositiveInfinity, "turnover");
            _objective = _solver.Objective();
            _objective.SetMaximization();
            for (int i = 0; i < n; i++)
            {
                var w = _w[i] = _solver.MakeNumVar(0, 0, "w" + i);
                var t = _t[i] = _solver.MakeNumVar(0, double.PositiveInfinity, "t" + i);
                budget.SetCoefficient(w, 1);
                _industry[industry[i]].SetCoefficient(w, 1);
                // t_i − w_i ≥ −w⁰_i and t_i + w_i ≥ w⁰_i.
                var up = _up[i] = _solver.MakeConstraint(0, double.PositiveInfinity, "u" + i);
                up.SetCoefficient(t, 1);
                up.SetCoefficient(w, -1);
                var down = _down[i] = _solver.MakeConstraint(0, double.PositiveInfinity, "d" + i);
                down.SetCoefficient(t, 1);
                down.SetCoefficient(w, 1);
                _turnover.SetCoefficient(t, 1);
            }
        }
        catch
        {
            _solver.Dispose();
            _parameters?.Dispose();
            throw;
        }
    }

    /// <summary>True when this model's symbol and industry lists equal the input's (so it can be updated in place).</summary>
    public bool Fits(RebalanceInput input) =>
        input.Symbols.AsSpan().SequenceEqual(Symbols) && input.Industry.AsSpan().SequenceEqual(Industry)
        && input.IndustryNames.Length == _industry.Length;

    /// <summary>Writes this rebalance's coefficients and bounds into the model (only entries that changed).</summary>
    public void Load(RebalanceInput input, LpLimits limits)
    {
        int n = Symbols.Length;
        for (int i = 0; i < n; i++)
        {
            _objective.SetCoefficient(_w[i], limits.Objective[i]);
            _w[i].SetBounds(limits.Lower[i], limits.Upper[i]);
            if (limits.Constituent[i] != _inFloor[i])
            {
                _floor.SetCoefficient(_w[i], limits.Constituent[i] ? 1 : 0);
                _inFloor[i] = limits.Constituent[i];
            }
            double s = input.SizeExposure[i];
            if (s != _sizeCoef[i])
            {
                _size.SetCoefficient(_w[i], s);
                _sizeCoef[i] = s;
            }
            _up[i].SetBounds(-limits.Held[i], double.PositiveInfinity);
            _down[i].SetBounds(limits.Held[i], double.PositiveInfinity);
        }
        _floor.SetBounds(limits.ConstituentFloor, double.PositiveInfinity);
        for (int k = 0; k < _industry.Length; k++)
        {
            if (limits.IndustryHasMembers[k]) _industry[k].SetBounds(limits.IndustryLower[k], limits.IndustryUpper[k]);
            else _industry[k].SetBounds(double.NegativeInfinity, double.PositiveInfinity);
        }
        SetSizeBound(limits, on: true);
        SetTurnoverCap(limits.TurnoverCap);
    }

    /// <summary>Turns the size row on (its range) or off (free).</summary>
    public void SetSizeBound(LpLimits limits, bool on)
    {
        if (on) _size.SetBounds(limits.SizeLower, limits.SizeUpper);
        else _size.SetBounds(double.NegativeInfinity, double.PositiveInfinity);
    }

    /// <summary>Σ t ≤ cap; +∞ removes the cap.</summary>
    public void SetTurnoverCap(double cap) => _turnover.SetBounds(double.NegativeInfinity, cap);

    /// <summary>Solves the model as it stands; on <see cref="LpOutcome.Optimal"/> fills <paramref name="weights"/>.</summary>
    public LpOutcome Solve(double[] weights, out double objective)
    {
        SolveCount++;
        var status = _solver.Solve(_parameters);
        objective = double.NaN;
        switch (status)
        {
            case Solver.ResultStatus.OPTIMAL:
                objective = _objective.Value();
                for (int i = 0; i < _w.Length; i++) weights[i] = _w[i].SolutionValue();
                return LpOutcome.Optimal;
            case Solver.ResultStatus.INFEASIBLE:
                return LpOutcome.Infeasible;
            default:
                return LpOutcome.Failed;
        }
    }

    public void Dispose()
    {
        _parameters.Dispose();
        _solver.Dispose();
    }
}
