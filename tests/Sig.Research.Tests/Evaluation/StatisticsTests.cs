using Sig.Engine.Events;
using Sig.Data.Features;
using Sig.Research.Evaluation;
using Xunit;

namespace Sig.Research.Tests.Evaluation;

public class StatisticsTests
{
    [Fact]
    public void Spearman_uses_average_ranks_for_ties()
    {
        Assert.Equal([1, 2.5, 2.5, 4], Statistics.AverageRanks([1, 2, 2, 3]));
        // ranks x = 1, 2.5, 2.5, 4; y = 1, 3, 2, 4 → Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5
        Assert.Equal(4.5 / Math.Sqrt(4.5 * 5), Statistics.Spearman([1, 2, 2, 3], [10, 30, 20, 40]), 14);
        Assert.Equal(-1.0, Statistics.Spearman([1, 2, 3], [9, 5, 1]), 14);
        Assert.True(double.IsNaN(Statistics.Spearman([1, 1, 1], [1, 2, 3])));
    }

    [Fact]
    public void Groups_follow_the_floor_boundaries()
    {
        // n = 7, G = 5: boundaries ⌊7g/5⌋ = 1, 2, 4, 5, 7
        Assert.Equal([1, 2, 3, 3, 4, 5, 5], Enumerable.Range(0, 7).Select(r => Statistics.GroupOf(r, 7, 5)));
        Assert.Equal([1, 1, 2, 2], Enumerable.Range(0, 4).Select(r => Statistics.GroupOf(r, 4, 2)));
    }

    [Fact]
    public void Turnover_is_two_sided_between_equal_weight_holdings()
    {
        Assert.Equal(1.0, FactorTest.Turnover([1, 2], [2, 3]), 14);
        Assert.Equal(0.0, FactorTest.Turnover([1, 2], [2, 1]), 14);
        Assert.Equal(2.0, FactorTest.Turnover([1], [2, 3]), 14);
        // {1,2,3} → {3,4}: |−1/3| + |−1/3| + |1/2 − 1/3| + 1/2
        Assert.Equal(2 / 3.0 + 1 / 6.0 + 0.5, FactorTest.Turnover([1, 2, 3], [3, 4]), 14);
    }

    [Fact]
    public void Top_metrics_annualize_over_the_periods_and_ir_uses_population_std()
    {
        var panel = new DailyPanel([new DateOnly(2024, 1, 2), new DateOnly(2024, 1, 3), new DateOnly(2024, 1, 4)], [SymbolCode.Parse("000001.SZ")], [], []);
        var result = new FactorResult(new FactorInput("f", new double[3], -1)) { TopGroup = 2 };
        double[] tops = [0.03, 0.00, 0.05], bench = [0.02, 0.02, 0.02];
        for (int d = 0; d < 3; d++) result.Layers.Add((d, [0.0, tops[d]], bench[d]));
        result.Ic.AddRange([(0, 0.1, 10), (1, -0.2, 10), (2, 0.4, 10)]);
        result.Turnovers.AddRange([1.0, 0.5]);
        var run = new EvaluationRun(panel, [0, 1, 2], [result], new double[1, 1], new EvaluationOptions());
        var s = run.Summarize(result);
        Assert.Equal(0.1, s.RankIcMean, 14);
        double std = Math.Sqrt((0.0 + 0.09 + 0.09) / 3);
        Assert.Equal(std, s.RankIcStd, 14);
        Assert.Equal(0.1 / std, s.IcIr, 12);
        Assert.Equal(2 / 3.0, s.IcPos, 14);
        // excess 0.01, −0.02, 0.03
        Assert.Equal(Math.Pow(1.01 * 0.98 * 1.03, 48.4 / 3) - 1, s.TopExcessAnn, 12);
        double em = 0.02 / 3, es = Math.Sqrt((Math.Pow(0.01 - em, 2) + Math.Pow(-0.02 - em, 2) + Math.Pow(0.03 - em, 2)) / 3);
        Assert.Equal(em / es * Math.Sqrt(48.4), s.TopIr, 10);
        Assert.Equal(2 / 3.0, s.TopWin, 14);
        Assert.Equal(0.75, s.TopTurnover, 14);
        Assert.Equal(3, s.NDates);
    }
}
