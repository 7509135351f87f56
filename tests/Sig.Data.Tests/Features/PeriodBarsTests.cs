using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Data.Features;
using Xunit;
using Sig.Replay.Tests;

namespace Sig.Data.Tests.Features;

public class PeriodBarsTests
{
    private static readonly SymbolCode A = SymbolCode.Parse("000001.SZ"), B = SymbolCode.Parse("600000.SH");

    private static DailyReference Ref(DateOnly d, SymbolCode s, double adj) => new()
    {
        Date = d, Symbol = s, PreClose = 100_000, AdjFactor = adj, Industry = "I1", TotalShares = 1000, FloatShares = 500,
        IsSt = false, LimitUp = 110_000, LimitDown = 90_000, Weights = [0.5],
    };

    private static DailyBar Bar(DateOnly d, SymbolCode s, double open, double high, double low, double close, long volume, double vwapRaw, double adj) =>
        DailyBar.Adjust(d, new RawDailyBar(s, open, high, low, close, volume, vwapRaw * volume, 1, CloseRule.ClosingAuction), Ref(d, s, adj));

    /// <summary>
    /// Thu 25 Jan, Fri 26, (Mon 29 a holiday), Tue 30, Wed 31, Thu 1 Feb, Fri 2 Feb. A splits 2:1
    /// on 1 Feb (raw prices halve, adj_factor 1 → 2); B is suspended on 30 Jan.
    /// </summary>
    private static string BuildStore(TempDir dir)
    {
        string db = Path.Combine(dir.Path, "features.db");
        using var fs = new SqliteFeatureStore(db);
        DateOnly[] days = [new(2024, 1, 25), new(2024, 1, 26), new(2024, 1, 30), new(2024, 1, 31), new(2024, 2, 1), new(2024, 2, 2)];
        double[] aClose = [10, 11, 12, 13, 7, 7.5]; // raw; after the split 7 = 14 adjusted
        for (int k = 0; k < days.Length; k++)
        {
            var d = days[k];
            double adj = k >= 4 ? 2.0 : 1.0;
            double c = aClose[k];
            var bars = new List<DailyBar> { Bar(d, A, c - 0.5, c + 0.5, c - 1, c, 100 * (k + 1), c - 0.25, adj) };
            if (k != 2) bars.Add(Bar(d, B, 20, 21, 19, 20 + k, 10, 20, 1.0));
            fs.WriteDailyBars(d, bars, new DailyReferenceSet([Ref(d, A, adj), Ref(d, B, 1.0)], ["csi500_weight"]));
        }
        return db;
    }

    [Fact]
    public void Weeks_span_a_holiday_and_months_split_at_the_month_end_with_split_adjusted_prices()
    {
        using var dir = new TempDir();
        using var fs = new SqliteFeatureStore(BuildStore(dir));
        var panel = fs.ReadPanel(new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31), factors: []);
        Assert.Equal(6, panel.Dates.Length);
        int a = Array.IndexOf(panel.Symbols, A), b = Array.IndexOf(panel.Symbols, B);
        // The suspension is missing, not copied; the reference row is there.
        Assert.True(double.IsNaN(panel.Close[panel.Cell(2, b)]));
        Assert.True(panel.HasReference[panel.Cell(2, b)]);
        // Adjusted closes are continuous across the split: 13 raw → 7 raw × 2 = 14.
        Assert.Equal(14.0, panel.Close[panel.Cell(4, a)], 12);
        Assert.Equal(0.5, panel.IndexWeights["csi500"][panel.Cell(0, a)]);

        var weeks = PeriodBars.Aggregate(panel, BarPeriod.Week);
        var wa = weeks.Where(w => w.Symbol == a).ToList();
        Assert.Equal(2, wa.Count);
        Assert.Equal((new DateOnly(2024, 1, 25), new DateOnly(2024, 1, 26)), (wa[0].Start, wa[0].End));
        Assert.Equal((new DateOnly(2024, 1, 30), new DateOnly(2024, 2, 2)), (wa[1].Start, wa[1].End));
        Assert.Equal(4, wa[1].Days);
        Assert.Equal(11.5, wa[1].Open, 12);     // 30 Jan open, adj 1
        Assert.Equal(15.0, wa[1].Close, 12);    // 7.5 × 2
        Assert.Equal(16.0, wa[1].High, 12);     // (7.5 + 0.5) × 2
        Assert.Equal(11.0, wa[1].Low, 12);      // 12 − 1
        Assert.Equal(300 + 400 + 500 + 600, wa[1].Volume);
        // vwap = Σ amount / Σ (volume / adj): raw vwaps 11.75, 12.75, 6.75, 7.25
        double amount = 300 * 11.75 + 400 * 12.75 + 500 * 6.75 + 600 * 7.25;
        Assert.Equal(amount / (300 + 400 + 500 / 2.0 + 600 / 2.0), wa[1].Vwap, 10);
        var wb = weeks.Where(w => w.Symbol == b).ToList();
        Assert.Equal(3, wb[1].Days); // suspended on the 30th

        var months = PeriodBars.Aggregate(panel, BarPeriod.Month).Where(m => m.Symbol == a).ToList();
        Assert.Equal(2, months.Count);
        Assert.Equal((new DateOnly(2024, 1, 25), new DateOnly(2024, 1, 31)), (months[0].Start, months[0].End));
        Assert.Equal(13.0, months[0].Close, 12);
        Assert.Equal((new DateOnly(2024, 2, 1), new DateOnly(2024, 2, 2)), (months[1].Start, months[1].End));
        Assert.Equal(13.0, months[1].Open, 12); // 6.5 × 2
    }

    [Fact]
    public void Writing_a_date_again_replaces_its_rows()
    {
        using var dir = new TempDir();
        string db = BuildStore(dir);
        using var fs = new SqliteFeatureStore(db);
        var d = new DateOnly(2024, 1, 25);
        fs.WriteDailyBars(d, [Bar(d, A, 1, 1, 1, 1, 5, 1, 1)], new DailyReferenceSet([Ref(d, A, 1)], ["csi500_weight"]));
        var panel = fs.ReadPanel(d, d, factors: []);
        Assert.Equal([A], panel.Symbols);
        Assert.Equal(1.0, panel.Close[0]);
    }
}
