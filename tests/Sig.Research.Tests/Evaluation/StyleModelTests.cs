using Sig.Data.Features;
using Sig.Research.Daily;
using Xunit;

namespace Sig.Research.Tests.Evaluation;

[Collection(SixtyDayCollection.Name)]
public class StyleModelTests(SixtyDayMarket market)
{
    [Fact]
    public void Size_is_standardized_ln_cap_and_derived_styles_are_orthogonal_to_size()
    {
        using var fs = new SqliteFeatureStore(market.Db);
        var panel = fs.ReadPanel(market.Dates[0], market.Dates[^1], factors: []);
        int d = panel.Dates.Length - 1;
        var styles = StyleModel.Compute(panel, d);
        var tradable = Universes.Tradable(panel, d);
        var rows = Enumerable.Range(0, panel.Symbols.Length).Where(s => tradable[s]).ToArray();
        Assert.True(rows.Length > 20);
        var cap = rows.Select(s => panel.TotalCap[panel.Cell(d, s)]).ToArray();
        var ln = cap.Select(c => Math.Log(c)).ToArray();
        double capMean = rows.Select((s, k) => cap[k] * ln[k]).Sum() / cap.Sum(), eqMean = ln.Average();
        double std = Math.Sqrt(ln.Sum(v => (v - eqMean) * (v - eqMean)) / ln.Length);
        for (int k = 0; k < rows.Length; k++) Assert.Equal((ln[k] - capMean) / std, styles[0][rows[k]], 10);
        // Cap-weighted mean 0, equal-weighted std 1.
        Assert.Equal(0, rows.Select((s, k) => cap[k] * styles[0][s]).Sum() / cap.Sum(), 10);
        var size = rows.Select(s => styles[0][s]).ToArray();
        var nonlinear = rows.Select(s => styles[4][s]).ToArray();
        double sm = size.Average(), nm = nonlinear.Average();
        Assert.True(Math.Abs(size.Select((v, k) => (v - sm) * (nonlinear[k] - nm)).Sum()) < 1e-8 * rows.Length);
        Assert.All(rows, s => Assert.True(double.IsFinite(styles[4][s])));
        // Sixty days are under half of beta's 252-day window and of liquidity's 12 months: NaN, as documented.
        Assert.All(rows, s => Assert.True(double.IsNaN(styles[1][s]) && double.IsNaN(styles[5][s])));
    }
}
