using Sig.Engine.Config;
using Sig.Portfolio.Backtest;
using Sig.Portfolio.Synthetic;

namespace Sig.Portfolio.Tests.Backtest;

public class SyntheticBacktestTests
{
    private static readonly MarketPanel Panel = SyntheticMarket.Generate(400, 130, seed: 11, benchmarkSize: 150);

    [Fact]
    public void Perfect_foresight_beats_the_benchmark_widely()
    {
        var score = SyntheticMarket.ForwardScore(Panel, 5, foresight: 1, seed: 1);
        var run = new PortfolioBacktest(Panel, new OptimizerOptions(), new BacktestOptions()).Run(score, 0.3, shareMode: false);
        var m = BacktestMetrics.Of(run, 242);
        Assert.True(m.AnnualExcessReturn > 0.3, $"excess {m.AnnualExcessReturn}");
        Assert.True(m.InformationRatio > 3, $"IR {m.InformationRatio}");
        // The cap binds the LP's target at T; the executed turnover also holds the drift to T+1's VWAP.
        Assert.All(run.Rebalances.Skip(1), r => Assert.True(r.TargetTurnover <= 0.3 + 1e-9, $"{r.Date}: {r.TargetTurnover}"));
        Assert.InRange(m.Turnover, 0.25, 0.35);
        Assert.True(m.MonthlyWinRate >= 0.8, $"win {m.MonthlyWinRate}");
    }

    [Theory]
    [InlineData(0.008, 0.05, 0.15)]
    [InlineData(0.001, 0.015, 0.03)]
    public void Zero_alpha_without_turnover_limit_tracks_the_benchmark(double activeBound, double maxTrackingError, double maxExcess)
    {
        // With α = 0 every feasible portfolio is optimal, so only the bounds keep it near the benchmark.
        var score = new double[(long)Panel.Stocks * Panel.Days];
        var free = new BacktestOptions { CommissionRate = 0 };
        var run = new PortfolioBacktest(Panel, new OptimizerOptions { ActiveBound = activeBound }, free).Run(score, null, shareMode: false);
        var m = BacktestMetrics.Of(run, 242);
        Assert.All(run.Rebalances, r => Assert.Equal(Sig.Portfolio.Optimizer.OptimizerStatus.Optimal, r.Status));
        Assert.True(m.TrackingError < maxTrackingError, $"TE {m.TrackingError}");
        Assert.True(Math.Abs(m.AnnualExcessReturn) < maxExcess, $"excess {m.AnnualExcessReturn}");
    }

    [Fact]
    public void Same_inputs_same_outputs()
    {
        var score = SyntheticMarket.ForwardScore(Panel, 5, foresight: 0.1, seed: 2);
        var a = new PortfolioBacktest(Panel, new OptimizerOptions(), new BacktestOptions()).Run(score, 0.4, false);
        var b = new PortfolioBacktest(SyntheticMarket.Generate(400, 130, seed: 11, benchmarkSize: 150), new OptimizerOptions(), new BacktestOptions()).Run(score, 0.4, false);
        Assert.Equal(a.Nav, b.Nav);
        Assert.Equal(a.Trades, b.Trades);
    }
}
