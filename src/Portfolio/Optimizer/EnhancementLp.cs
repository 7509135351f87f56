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
/// The enhancement LP held in one OR-Tools solver, in trade form: w = w⁰ + u − v with buys
/// u ≥ 0 and sells v ≥ 0, so the turnover Σ|w − w⁰| is Σ(u + v) and the per-stock bounds of w
/// become simple bounds of u and v (u ∈ [max(0, lo − w⁰), max(0, hi − w⁰)], v ∈ [max(0, w⁰ − hi),
/// max(0, w⁰ − lo)], which admit exactly the w in [lo, hi]). The LP then has 2n columns and only
/// the budget, floor, industry, size and turnover rows — no per-stock link rows — and the same
/// optimum as the form with t_i ≥ ±(w_i − w⁰_i) (an optimum never needs u_i and v_i both
/// positive; where they are, Σ(u + v) only overstates the turnover). Built once for a symbol
/// list and industry list; a later rebalance over the same lists only updates coefficients and
/// bounds, so the solver starts from its last basis. Owns native memory: dispose it.
/// </summary>
public sealed class EnhancementLp : IDisposable
{
    private readonly Solver _solver;
    private readonly MPSolverParameters _parameters;
    private readonly Variable[] _u;
    private readonly Variable[] _v;
    private readonly Constraint _budget;
    private readonly Constraint _floor;
    private readonly Constraint[] _industry;
    private readonly Constraint _size;
    private readonly Constraint _turnover;
    private readonly Objective _objective;
    private readonly bool[] _inFloor;
    private readonly double[] _sizeCoef;
    private readonly double[] _alphaCoef;
    private double[] _held = [];
    private double _sizeHeld;

    /// <summary>The symbols and industry of each, as built; a rebalance over other lists needs a new model.</summary>
    public string[] Symbols { get; }
    public int[] Industry { get; }
    public string SolverName { get; }
    public string SolverVersion { get; }

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
            // Solutions are checked against the bounds to 1e-9 afterwards; the default 1e-7 feasibility tolerance would fail that check now and then.
            _parameters.SetDoubleParam(MPSolverParameters.DoubleParam.PRIMAL_TOLERANCE, 1e-10);
            SolverName = name;
            SolverVersion = _solver.SolverVersion();
            Symbols = symbols;
            Industry = industry;
            int n = symbols.Length;
            _u = new Variable[n];
            _v = new Variable[n];
            _inFloor = new bool[n];
            _sizeCoef = new double[n];
            _alphaCoef = new double[n];
            _budget = _solver.MakeConstraint(0, 0, "budget");
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
                var u = _u[i] = _solver.MakeNumVar(0, 0, "u" + i);
                var v = _v[i] = _solver.MakeNumVar(0, 0, "v" + i);
                _budget.SetCoefficient(u, 1);
                _budget.SetCoefficient(v, -1);
                _industry[industry[i]].SetCoefficient(u, 1);
                _industry[industry[i]].SetCoefficient(v, -1);
                _turnover.SetCoefficient(u, 1);
                _turnover.SetCoefficient(v, 1);
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

    /// <summary>Writes this rebalance's coefficients and bounds into the model (coefficients only where they changed).</summary>
    public void Load(RebalanceInput input, LpLimits limits)
    {
        int n = Symbols.Length;
        var held = limits.Held;
        _held = held;
        double sumHeld = 0, floorHeld = 0, sizeHeld = 0;
        var industryHeld = new double[_industry.Length];
        for (int i = 0; i < n; i++)
        {
            double h = held[i], lo = limits.Lower[i], hi = limits.Upper[i];
            double a = limits.Objective[i];
            if (a != _alphaCoef[i])
            {
                _objective.SetCoefficient(_u[i], a);
                _objective.SetCoefficient(_v[i], -a);
                _alphaCoef[i] = a;
            }
            _u[i].SetBounds(Math.Max(0, lo - h), Math.Max(0, hi - h));
            _v[i].SetBounds(Math.Max(0, h - hi), Math.Max(0, h - lo));
            if (limits.Constituent[i] != _inFloor[i])
            {
                double c = limits.Constituent[i] ? 1 : 0;
                _floor.SetCoefficient(_u[i], c);
                _floor.SetCoefficient(_v[i], -c);
                _inFloor[i] = limits.Constituent[i];
            }
            double s = input.SizeExposure[i];
            if (s != _sizeCoef[i])
            {
                _size.SetCoefficient(_u[i], s);
                _size.SetCoefficient(_v[i], -s);
                _sizeCoef[i] = s;
            }
            sumHeld += h;
            if (limits.Constituent[i]) floorHeld += h;
            industryHeld[Industry[i]] += h;
            sizeHeld += s * h;
        }
        _budget.SetBounds(1 - sumHeld, 1 - sumHeld);
        _floor.SetBounds(limits.ConstituentFloor - floorHeld, double.PositiveInfinity);
        for (int k = 0; k < _industry.Length; k++)
        {
            if (limits.IndustryHasMembers[k]) _industry[k].SetBounds(limits.IndustryLower[k] - industryHeld[k], limits.IndustryUpper[k] - industryHeld[k]);
            else _industry[k].SetBounds(double.NegativeInfinity, double.PositiveInfinity);
        }
        _sizeHeld = sizeHeld;
        SetSizeBound(limits, on: true);
        SetTurnoverCap(limits.TurnoverCap);
    }

    /// <summary>Turns the size row on (its range) or off (free).</summary>
    public void SetSizeBound(LpLimits limits, bool on)
    {
        if (on) _size.SetBounds(limits.SizeLower - _sizeHeld, limits.SizeUpper - _sizeHeld);
        else _size.SetBounds(double.NegativeInfinity, double.PositiveInfinity);
    }

    /// <summary>Σ(u + v) ≤ cap; +∞ removes the cap.</summary>
    public void SetTurnoverCap(double cap) => _turnover.SetBounds(double.NegativeInfinity, cap);

    /// <summary>Solves the model as it stands; on <see cref="LpOutcome.Optimal"/> fills <paramref name="weights"/> with w⁰ + u − v.</summary>
    public LpOutcome Solve(double[] weights)
    {
        var status = _solver.Solve(_parameters);
        switch (status)
        {
            case Solver.ResultStatus.OPTIMAL:
                for (int i = 0; i < _u.Length; i++)
                {
                    double u = _u[i].SolutionValue(), v = _v[i].SolutionValue();
                    // v ≤ w⁰ − lo ≤ w⁰, so a negative weight is only a rounding residue of selling everything.
                    weights[i] = Math.Max(0, _held[i] + u - v);
                }
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
