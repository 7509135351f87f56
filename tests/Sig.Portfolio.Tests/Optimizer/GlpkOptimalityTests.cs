using System.Diagnostics;
using System.Globalization;
using Sig.Engine.Config;
using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Tests.Optimizer;

/// <summary>The same LP, written by our own CPLEX-LP writer and solved by GLPK's glpsol (exact arithmetic), gives the same optimum.</summary>
public class GlpkOptimalityTests
{
    /// <summary>Runs glpsol --exact on the LP text; returns (status, objective).</summary>
    private static (string Status, double Objective) Glpsol(string lpText, TempDir dir, string name)
    {
        string lp = dir.File(name + ".lp"), sol = dir.File(name + ".sol");
        File.WriteAllText(lp, lpText);
        var psi = new ProcessStartInfo("glpsol", ["--lp", lp, "--exact", "-w", sol]) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("glpsol not found: install glpk-utils (scripts/dev deps)", ex);
        }
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, output);
        if (output.Contains("PROBLEM HAS NO PRIMAL FEASIBLE SOLUTION", StringComparison.Ordinal)) return ("INFEASIBLE", double.NaN);
        string status = File.ReadLines(sol).First(l => l.StartsWith("c Status:", StringComparison.Ordinal))[9..].Trim();
        var s = File.ReadLines(sol).First(l => l.StartsWith("s bas", StringComparison.Ordinal)).Split(' ');
        return (status, double.Parse(s[^1], CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("GLOP")]
    [InlineData("CLP")]
    public void Objective_equals_glpsol_within_1e7(string solver)
    {
        using var dir = new TempDir();
        var o = RandomInstances.Bounds with { Solver = solver };
        int checkedInstances = 0;
        for (int seed = 300; seed < 306; seed++)
        {
            var x = RandomInstances.Make(seed, n: 120, industries: 8, held: seed % 3 != 0);
            using var opt = new EnhancementOptimizer(o);
            var r = opt.Optimize(x, 0.3);
            Assert.Equal(OptimizerStatus.Optimal, r.Status);
            var limits = LpLimits.From(x, o, r.Active.Turnover ? 0.3 : null);
            var (status, objective) = Glpsol(CplexLpWriter.Write(x, limits, r.Active.Size), dir, $"{solver}{seed}");
            Assert.Equal("OPTIMAL", status);
            Assert.True(Math.Abs(objective - r.Objective) <= 1e-7, $"seed {seed}: glpsol {objective:R}, {solver} {r.Objective:R}");
            checkedInstances++;
        }
        Assert.Equal(6, checkedInstances);
    }

    [Fact]
    public void Turnover_infeasible_instance_drops_the_cap_and_glpsol_agrees()
    {
        using var dir = new TempDir();
        var x = RandomInstances.Make(401);
        // Holdings far from anything the bounds allow: outside the benchmark entirely.
        var w0 = new double[x.Count];
        for (int i = 1; i < x.Count; i += 2) w0[i] = 1.0 / (x.Count / 2);
        Array.Fill(x.Tradable, true);
        x = With(x, held: w0);
        using var opt = new EnhancementOptimizer(RandomInstances.Bounds);
        var r = opt.Optimize(x, 0.3);
        Assert.Equal(OptimizerStatus.Optimal, r.Status);
        Assert.Equal(Relaxation.TurnoverDropped, r.Relaxation);
        Assert.False(r.Active.Turnover);
        Assert.True(r.Active.Size);
        Assert.True(RandomInstances.WorstViolation(x, RandomInstances.Bounds, r.Weights, null, size: true) <= 1e-9);
        Assert.StartsWith("INFEASIBLE", Glpsol(CplexLpWriter.Write(x, LpLimits.From(x, RandomInstances.Bounds, 0.3)), dir, "capped").Status);
        var relaxed = Glpsol(CplexLpWriter.Write(x, LpLimits.From(x, RandomInstances.Bounds, null)), dir, "free");
        Assert.Equal(relaxed.Objective, r.Objective, 1e-7);
    }

    [Fact]
    public void Size_infeasible_instance_drops_turnover_then_size()
    {
        var x = RandomInstances.Make(402);
        // One constituent that cannot be bought (not tradable, not held) with a huge size exposure:
        // the size active exposure is then about −0.01·100 whatever the other weights.
        int j = Array.FindIndex(x.BenchmarkWeight, b => b > 0);
        x.Tradable[j] = false;
        x.Held![j] = 0;
        Array.Clear(x.SizeExposure);
        x.SizeExposure[j] = 100;
        using var opt = new EnhancementOptimizer(RandomInstances.Bounds);
        var r = opt.Optimize(x, 0.3);
        Assert.Equal(OptimizerStatus.Optimal, r.Status);
        Assert.Equal(Relaxation.TurnoverAndSizeDropped, r.Relaxation);
        Assert.Equal(3, r.Solves);
        Assert.Equal(new ActiveBounds(false, false, true), r.Active);
        Assert.True(RandomInstances.WorstViolation(x, RandomInstances.Bounds, r.Weights, null, size: false) <= 1e-9);
    }

    [Fact]
    public void Fully_infeasible_instance_keeps_the_holdings_with_status_infeasible()
    {
        var x = RandomInstances.Make(403);
        // Constituents cannot reach the 80% floor: only a few are tradable and none is held.
        for (int i = 0; i < x.Count; i++)
            if (x.BenchmarkWeight[i] > 0 && i % 8 != 0) { x.Tradable[i] = false; x.Held![i] = 0; }
        double s = x.Held!.Sum();
        for (int i = 0; i < x.Count; i++) x.Held![i] /= s;
        using var opt = new EnhancementOptimizer(RandomInstances.Bounds);
        var r = opt.Optimize(x, 0.3);
        Assert.Equal(OptimizerStatus.Infeasible, r.Status);
        Assert.Equal(Relaxation.KeptHoldings, r.Relaxation);
        Assert.Equal(ActiveBounds.None, r.Active);
        Assert.Equal(x.Held, r.Weights);
        Assert.Equal(3, r.Solves);
    }

    private static RebalanceInput With(RebalanceInput x, double[]? held) => new()
    {
        Date = x.Date, Symbols = x.Symbols, Alpha = x.Alpha, BenchmarkWeight = x.BenchmarkWeight, Industry = x.Industry,
        IndustryNames = x.IndustryNames, SizeExposure = x.SizeExposure, Tradable = x.Tradable, Held = held,
    };
}
