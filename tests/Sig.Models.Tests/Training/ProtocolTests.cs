using Sig.Models.Training;
using Xunit;

namespace Sig.Models.Tests.Training;

public sealed class ProtocolTests
{
    private static List<DateOnly> Weekdays(DateOnly from, int count)
    {
        var days = new List<DateOnly>();
        for (var d = from; days.Count < count; d = d.AddDays(1))
            if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) days.Add(d);
        return days;
    }

    [Fact]
    public void Sample_dates_step_by_five_and_stop_where_the_label_is_still_known()
    {
        var days = Weekdays(new DateOnly(2023, 1, 2), 100);
        var retrain = days[60];
        var sample = Protocol.SampleDates(days, retrain, every: 5, labelHorizon: 11);
        Assert.Equal(days[0], sample[0]);
        Assert.Equal(days[5], sample[1]);
        Assert.True(sample[^1] <= days[49]);
        Assert.Equal(days[45], sample[^1]);
        var lookback = Protocol.SampleDates(days, retrain, every: 2, labelHorizon: 11, lookback: 20);
        Assert.Equal(days[40], lookback[0]);
        Assert.Equal(days[48], lookback[^1]);
    }

    [Fact]
    public void Split_is_time_ordered_four_to_one()
    {
        var (train, valid) = Protocol.Split(Enumerable.Range(0, 10).ToArray());
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], train);
        Assert.Equal([8, 9], valid);
    }

    [Fact]
    public void Retrains_fall_on_the_first_trading_day_of_january_and_july_and_score_later_dates()
    {
        var days = Weekdays(new DateOnly(2022, 12, 26), 300);
        var r = Protocol.HalfYearRetrains(days, days[0], days[^1]);
        Assert.Equal([new DateOnly(2023, 1, 2), new DateOnly(2023, 7, 3), new DateOnly(2024, 1, 1)], r);
        Assert.Equal(new DateOnly(2023, 1, 2), Protocol.ModelFor(r, new DateOnly(2023, 7, 2)));
        Assert.Equal(new DateOnly(2023, 7, 3), Protocol.ModelFor(r, new DateOnly(2023, 7, 3)));
        Assert.Null(Protocol.ModelFor(r, new DateOnly(2022, 12, 30)));
    }

    [Fact]
    public void Fusion_weights_z_scores_one_to_three()
    {
        var f = Scores.Fuse([1, 2, 3], [3, 2, 1]);
        Assert.Equal(0.5f * 1.2247449f, f[0], 5);
        Assert.Equal(0f, f[1], 6);
        Assert.Equal(-0.5f * 1.2247449f, f[2], 5);
    }

    [Fact]
    public void Rank_ic_uses_average_ranks_and_ignores_unknown_labels()
    {
        Assert.Equal(1.0, Metrics.RankIc([1, 5, 9, 20], [0.1f, 0.2f, 0.3f, float.NaN]), 12);
        Assert.Equal(-1.0, Metrics.RankIc([3, 2, 1], [1, 2, 3]), 12);
        Assert.Equal(Metrics.Ic([1, 2, 2, 3], [1, 2, 2, 3]), Metrics.RankIc([1, 2, 2, 3], [10, 20, 20, 30]), 12);
    }

    [Theory]
    [InlineData(6, 0.7864)]
    [InlineData(7, 0.8942)]
    [InlineData(8, 0.9552)]
    [InlineData(9, 0.9859)]
    [InlineData(10, 0.9965)]
    [InlineData(11, 0.9994)]
    public void Pair_coverage_reproduces_the_report_table(int n, double report)
    {
        double sim = PairSampler.CoverageShare(15, 10, n, 1000, 42);
        double exact = PairSampler.ExpectedCoverage(15, 10, n);
        // Per-trial coverage has a std of at most ~4% over 105 pairs: 1000 trials → σ ≲ 0.13 pp.
        Assert.InRange(sim - exact, -0.005, 0.005);
        Assert.InRange(sim - report, -0.005, 0.005);
    }

    [Fact]
    public void Pair_sampler_draws_n_distinct_ascending_features_per_seed()
    {
        var a = PairSampler.Draw(1, 15, 8);
        Assert.Equal(8, a.Distinct().Count());
        Assert.Equal(a.Order(), a);
        Assert.Equal(a, PairSampler.Draw(1, 15, 8));
        Assert.NotEqual(a, PairSampler.Draw(2, 15, 8));
    }
}
