using Sig.Data.Tests.Features;
using Xunit;

namespace Sig.Orchestration.Tests;

/// <summary>The portfolio source over an in-memory <c>IDailyFeatureReader</c>: limits, benchmark, industries, size and scores by hand.</summary>
public sealed class FeatureStorePortfolioSourceTests
{
    private static readonly DateOnly[] Dates = [new(2024, 3, 1), new(2024, 3, 4)];

    /// <summary>
    /// Three symbols over two days. Symbol 0: adj factor 2, limits 11/9 (unadjusted) → 22/18 adjusted,
    /// industry "bank". Symbol 1: classified only on day 1 ("tech"), limit-up day on day 1 (low at
    /// limit: the adjusted limit is its low). Symbol 2: never classified, no bar on day 0.
    /// </summary>
    private static InMemoryFeatureReader Reader()
    {
        var r = new InMemoryFeatureReader(Dates, ["000001.SZ", "000002.SZ", "600000.SH"], p =>
        {
            p.Industries = ["bank", "tech"];
            var weights = new double[6];
            for (int d = 0; d < 2; d++)
                for (int s = 0; s < 3; s++)
                {
                    int c = p.Cell(d, s);
                    if (s == 2 && d == 0) continue;
                    p.Open[c] = p.High[c] = p.Low[c] = p.Close[c] = p.Vwap[c] = 20 + d;
                    p.AdjFactor[c] = s == 0 ? 2 : 1;
                    p.HasReference[c] = true;
                    p.LimitUp[c] = 11; p.LimitDown[c] = 9;
                    p.Industry[c] = s == 0 ? 0 : s == 1 && d == 1 ? 1 : -1;
                    weights[c] = 0.25 * (s + 1);
                    p.Factor("down_vol_perc")[c] = 10 * d + s;
                }
            p.LowAtLimitUp[p.Cell(1, 1)] = true;
            p.IndexWeights["csi500"] = weights;
        });
        r.Styles["size"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        r.Scores["scores_x"] = [1, 2, 3, 4, 5, double.NaN];
        return r;
    }

    [Fact]
    public void LoadPanel_adjusts_limits_fills_industries_and_takes_the_stored_size()
    {
        var reader = Reader();
        var source = new FeatureStorePortfolioSource("mem", () => reader, targetsDb: null);
        Assert.Equal(Dates, source.Dates);
        var p = source.LoadPanel(Dates[1], "csi500");
        Assert.Equal(["000001.SZ", "000002.SZ", "600000.SH"], p.Symbols);
        // Symbol 0: 11 × 2 = 22 up, 9 × 2 = 18 down.
        Assert.Equal(22, p.LimitUp[0]);
        Assert.Equal(18, p.LimitDown[0]);
        // Symbol 1 day 1: low at limit-up, so the adjusted limit is the low (21).
        Assert.Equal(21, p.LimitUp[4]);
        // Symbol 2 day 0: no bar, but a reference-less cell is not listed.
        Assert.False(p.Listed[2]);
        Assert.True(double.IsNaN(p.Close[2]));
        Assert.Equal([0.25, 0.5, 0, 0.25, 0.5, 0.75], p.BenchmarkWeight);
        // Industries: bank; tech (day 0 takes day 1's); unknown appended for the never-classified symbol.
        Assert.Equal(["bank", "tech", "unknown"], p.IndustryNames);
        Assert.Equal([0, 1, 2, 0, 1, 2], p.Industry);
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], p.Size);
        Assert.Equal((2, 0), source.SizeDates);
        // The constructor reads only the calendar; LoadPanel reads one panel.
        Assert.Equal(1, reader.PanelsRead);
    }

    [Fact]
    public void LoadScore_reads_a_raw_factor_or_a_score_table_over_the_panel()
    {
        var source = new FeatureStorePortfolioSource("mem", Reader, targetsDb: null);
        var p = source.LoadPanel(Dates[1], "csi500");
        Assert.Equal([0, 1, double.NaN, 10, 11, 12], source.LoadScore(p, "down_vol_perc"));
        Assert.Equal([1, 2, 3, 4, 5, double.NaN], source.LoadScore(p, "table:scores_x"));
        Assert.Throws<ArgumentException>(() => source.LoadScore(p, "not_a_factor"));
    }

    [Fact]
    public void A_source_without_a_targets_store_says_so()
    {
        var source = new FeatureStorePortfolioSource("mem", Reader, targetsDb: null);
        var e = Assert.Throws<InvalidOperationException>(() => source.TargetsBefore("s", Dates[1]));
        Assert.Equal("mem: this portfolio source has no store for strategy targets", e.Message);
    }
}
