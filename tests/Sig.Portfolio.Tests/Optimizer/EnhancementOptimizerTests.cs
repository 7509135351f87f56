using Sig.Engine.Config;
using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Tests.Optimizer;

public class EnhancementOptimizerTests
{
    private static OptimizerResult Solve(RebalanceInput x, OptimizerOptions o, double? cap)
    {
        using var opt = new EnhancementOptimizer(o);
        return opt.Optimize(x, cap);
    }

    [Theory]
    [InlineData("GLOP")]
    [InlineData("CLP")]
    public void Random_instances_satisfy_every_active_bound_to_1e9(string solver)
    {
        var o = RandomInstances.Bounds with { Solver = solver };
        int optimal = 0;
        using var opt = new EnhancementOptimizer(o);
        for (int seed = 1; seed <= 40; seed++)
        {
            var x = RandomInstances.Make(seed, held: seed % 4 != 0);
            var r = opt.Optimize(x, 0.3);
            Assert.NotEqual(OptimizerStatus.Failed, r.Status);
            if (r.Status != OptimizerStatus.Optimal) continue;
            optimal++;
            double worst = RandomInstances.WorstViolation(x, o, r.Weights, r.Active.Turnover ? 0.3 : null, r.Active.Size);
            Assert.True(worst <= 1e-9, $"seed {seed}: violation {worst:R}");
            Assert.Equal(r.Objective, x.Alpha.Zip(r.Weights, (a, w) => a * w).Sum(), 9);
        }
        Assert.True(optimal >= 30, $"only {optimal} optimal instances");
    }

    [Fact]
    public void Removing_the_turnover_cap_never_lowers_the_objective()
    {
        for (int seed = 100; seed < 130; seed++)
        {
            var x = RandomInstances.Make(seed);
            var capped = Solve(x, RandomInstances.Bounds, 0.2);
            var free = Solve(x, RandomInstances.Bounds, null);
            Assert.Equal(Relaxation.None, free.Relaxation);
            if (capped.Relaxation == Relaxation.None)
                Assert.True(free.Objective >= capped.Objective - 1e-9, $"seed {seed}: {free.Objective} < {capped.Objective}");
        }
    }

    [Fact]
    public void Tightening_a_bound_never_raises_the_objective()
    {
        var loose = RandomInstances.Bounds;
        var tighter = new (string Name, OptimizerOptions Bounds, double Cap)[]
        {
            ("active", loose with { ActiveBound = 0.005 }, 0.5),
            ("industry", loose with { IndustryBound = 0.01 }, 0.5),
            ("size", loose with { SizeBound = 0.05 }, 0.5),
            ("floor", loose with { ConstituentFloor = 0.95 }, 0.5),
            ("turnover", loose, 0.25),
        };
        int compared = 0;
        for (int seed = 200; seed < 215; seed++)
        {
            var x = RandomInstances.Make(seed);
            var baseResult = Solve(x, loose, 0.5);
            Assert.Equal(OptimizerStatus.Optimal, baseResult.Status);
            foreach (var (name, bounds, cap) in tighter)
            {
                var r = Solve(x, bounds, cap);
                if (r.Status != OptimizerStatus.Optimal || r.Relaxation != baseResult.Relaxation) continue;
                compared++;
                Assert.True(r.Objective <= baseResult.Objective + 1e-9, $"seed {seed} {name}: {r.Objective} > {baseResult.Objective}");
            }
        }
        Assert.True(compared >= 50, $"only {compared} comparisons");
    }

    [Fact]
    public void Glop_and_clp_agree_and_warm_starts_match_cold_solves()
    {
        using var glop = new EnhancementOptimizer(RandomInstances.Bounds with { Solver = "GLOP" });
        using var clp = new EnhancementOptimizer(RandomInstances.Bounds with { Solver = "CLP" });
        var first = RandomInstances.Make(7, held: false);
        Assert.False(glop.Optimize(first, 0.3).WarmStarted);
        clp.Optimize(first, 0.3);
        for (int k = 1; k <= 5; k++)
        {
            // Same symbols and industries, new α, sizes and holdings: the model is updated in place.
            var next = RandomInstances.Make(7 + 1000 * k);
            next = new RebalanceInput
            {
                Date = next.Date, Symbols = first.Symbols, Alpha = next.Alpha, BenchmarkWeight = next.BenchmarkWeight,
                Industry = first.Industry, IndustryNames = first.IndustryNames, SizeExposure = next.SizeExposure,
                Tradable = next.Tradable, Held = next.Held,
            };
            var g = glop.Optimize(next, 0.3);
            var c = clp.Optimize(next, 0.3);
            var cold = Solve(next, RandomInstances.Bounds, 0.3);
            Assert.True(g.WarmStarted);
            Assert.True(c.WarmStarted);
            Assert.Equal(cold.Relaxation, g.Relaxation);
            Assert.Equal(cold.Relaxation, c.Relaxation);
            Assert.Equal(cold.Objective, g.Objective, 1e-7);
            Assert.Equal(cold.Objective, c.Objective, 1e-7);
        }
        Assert.StartsWith("Glop", glop.SolverVersion(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Non_tradable_holdings_are_frozen_and_others_excluded()
    {
        var x = RandomInstances.Make(31);
        var r = Solve(x, RandomInstances.Bounds, null);
        Assert.Equal(OptimizerStatus.Optimal, r.Status);
        for (int i = 0; i < x.Count; i++)
            if (!x.Tradable[i]) Assert.Equal(x.Held![i], r.Weights[i], 12);
    }

    [Fact]
    public void A_bad_input_names_the_symbol()
    {
        var x = RandomInstances.Make(3);
        x.BenchmarkWeight[5] = -0.1;
        using var opt = new EnhancementOptimizer(RandomInstances.Bounds);
        var ex = Assert.Throws<ArgumentException>(() => opt.Optimize(x, 0.3));
        Assert.Contains(x.Symbols[5], ex.Message);
    }
}
