using Sig.Engine.Config;
using Sig.Portfolio.Backtest;

namespace Sig.Portfolio.Tests.Backtest;

/// <summary>
/// Three stocks over three weeks, worked by hand. A 600001.SH, B 000002.SZ, C 688001.SH with
/// benchmark weights 0.4 / 0.4 / 0.2; loose exposure bounds and an active bound of 0.3, so the
/// LP's targets are vertices: α (3,2,1) → (0.7, 0.3, 0); α (1,2,3) → (0.1, 0.4, 0.5); α (2,1,3) → (0.4, 0.1, 0.5).
/// Costs: commission 0.01% with a 5 CNY minimum, stamp duty 0.1% on sells, transfer fee 0.002%.
/// Day 6 C is one-price limit-up (its buy is blocked, A and B rescaled ×2); day 11 B is suspended
/// (keeps its weight, A and C rescaled to the rest); day 13 C loses its listing (sold at day 12's close).
/// </summary>
public class HandWorkedBacktestTests
{
    private static readonly string[] Symbols = ["600001.SH", "000002.SZ", "688001.SH"];

    // (vwap, close) per day; NaN close = no bar. C's day-6 bar is one price at its limit 60.
    private static readonly (double V, double C)[][] Bars =
    [
        [(10, 10), (10, 10.5), (10.5, 10.5), (11, 11), (11, 11), (11, 11), (11.2, 11), (11, 11), (11, 11), (11, 11), (11, 11), (11, 12), (12, 12), (12, 12), (12, 12)],
        [(20, 20), (20.2, 20), (20, 20), (20, 20), (20, 20), (20, 20), (19.8, 20), (21, 21), (21, 21), (21, 21), (21, 21), (double.NaN, double.NaN), (double.NaN, double.NaN), (21, 22), (22, 22)],
        [(50, 50), (50, 50), (50, 50), (50, 50), (50, 50), (50, 50), (60, 60), (60, 60), (60, 60), (60, 60), (60, 60), (60, 57), (57.5, 57.5), (double.NaN, double.NaN), (double.NaN, double.NaN)],
    ];

    public static MarketPanel Panel()
    {
        int n = 3, days = 15;
        var dates = new DateOnly[days];
        var day = new DateOnly(2024, 3, 4);
        for (int d = 0; d < days; d++)
        {
            while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) day = day.AddDays(1);
            dates[d] = day;
            day = day.AddDays(1);
        }
        var open = new double[n * days]; var high = new double[n * days]; var low = new double[n * days];
        var close = new double[n * days]; var vwap = new double[n * days];
        var up = new double[n * days]; var down = new double[n * days];
        var listed = new bool[n * days]; var weight = new double[n * days];
        double[] b = [0.4, 0.4, 0.2];
        for (int d = 0; d < days; d++)
            for (int i = 0; i < n; i++)
            {
                int k = d * n + i;
                var (v, c) = Bars[i][d];
                listed[k] = !(i == 2 && d >= 13);
                weight[k] = listed[k] ? b[i] : 0;
                vwap[k] = v; close[k] = c; open[k] = v; high[k] = Math.Max(v, c); low[k] = Math.Min(v, c);
                double prev = d == 0 ? c : PrevClose(i, d);
                double band = i == 2 ? 0.2 : 0.1;
                up[k] = double.IsNaN(prev) ? double.NaN : prev * (1 + band);
                down[k] = double.IsNaN(prev) ? double.NaN : prev * (1 - band);
            }
        return new MarketPanel
        {
            Dates = dates, Symbols = Symbols, Open = open, High = high, Low = low, Close = close, Vwap = vwap,
            LimitUp = up, LimitDown = down, AdjFactor = Enumerable.Repeat(1.0, n * days).ToArray(), Listed = listed,
            IsSt = new bool[n * days], ListedDays = Enumerable.Repeat(1000, n * days).ToArray(), BenchmarkWeight = weight,
            Industry = Enumerable.Range(0, n * days).Select(k => k % n == 1 ? 1 : 0).ToArray(), IndustryNames = ["I0", "I1"],
            Size = new double[n * days],
        };
    }

    private static double PrevClose(int i, int d)
    {
        for (int e = d - 1; e >= 0; e--) if (!double.IsNaN(Bars[i][e].C)) return Bars[i][e].C;
        return double.NaN;
    }

    public static double[] Scores()
    {
        var s = new double[15 * 3];
        void Row(int d, double a, double b, double c) { s[d * 3] = a; s[d * 3 + 1] = b; s[d * 3 + 2] = c; }
        Row(0, 3, 2, 1);
        Row(5, 1, 2, 3);
        Row(10, 2, 1, 3);
        return s;
    }

    public static readonly OptimizerOptions LooseBounds = new()
    {
        ConstituentFloor = 0, ActiveBound = 0.3, IndustryBound = 1, SizeBound = 100, MinListedDays = 60,
    };

    private static readonly BacktestOptions Costs = new()
    {
        Capital = 100_000, CommissionRate = 0.0001, MinCommission = 5, StampDutyRate = 0.001, TransferFeeRate = 0.00002,
    };

    private static double Cost(double value, bool sell) => Math.Max(0.0001 * value, 5) + (sell ? 0.001 * value : 0) + 0.00002 * value;

    [Fact]
    public void Three_stocks_three_weeks_match_the_hand_ledger()
    {
        var run = new PortfolioBacktest(Panel(), LooseBounds, Costs).Run(Scores(), null, shareMode: false);

        // Day 1: from 100,000 cash buy A 70,000 at VWAP 10 and B 30,000 at VWAP 20.2.
        // A: commission 7 + transfer 1.4; B: commission 3 → the 5 CNY minimum, + transfer 0.6.
        var d1 = run.Trades.Where(t => t.Date == run.Dates[1]).ToList();
        Assert.Equal(2, d1.Count);
        Assert.Equal(new Trade(run.Dates[1], "600001.SH", false, 10, double.NaN, 70_000, 8.4, TradeStatus.Filled), d1[0]);
        Assert.Equal(5.6, d1[1].Cost, 12);
        double cash = -14;
        double hA = 70_000 * 10.5 / 10, hB = 30_000 * 20 / 20.2;
        Assert.Equal((hA + hB + cash) / 100_000, run.Nav[1], 12);
        hA *= 11 / 10.5;
        Assert.Equal((hA + hB + cash) / 100_000, run.Nav[5], 12);

        // Day 6: marked to VWAP (A 11.2, B 19.8); C limit-up → blocked; targets A 0.1, B 0.4 rescaled ×2.
        hA *= 11.2 / 11; hB *= 19.8 / 20;
        double v6 = hA + hB + cash;
        double dA = 0.2 * v6 - hA, dB = 0.8 * v6 - hB;
        var d6 = run.Trades.Where(t => t.Date == run.Dates[6]).ToList();
        Assert.Contains(d6, t => t.Symbol == "688001.SH" && t.Status == TradeStatus.LimitUp && !t.Sell);
        var sellA = d6.Single(t => t.Symbol == "600001.SH");
        Assert.True(sellA.Sell);
        Assert.Equal(-dA, sellA.Value, 9);
        Assert.Equal(Cost(-dA, true), sellA.Cost, 9);
        cash -= dA + dB + Cost(-dA, true) + Cost(dB, false);
        hA = 0.2 * v6 * 11 / 11.2; hB = 0.8 * v6 * 20 / 19.8;
        Assert.Equal((hA + hB + cash) / 100_000, run.Nav[6], 12);
        hB *= 21.0 / 20;
        Assert.Equal((hA + hB + cash) / 100_000, run.Nav[10], 12);
        Assert.Equal((Math.Abs(dA) + Math.Abs(dB)) / v6, run.Rebalances[1].ExecutedTurnover, 12);

        // Day 11: B suspended keeps its weight; A (0.4) and C (0.5) share the rest.
        double v11 = hA + hB + cash, scale = (1 - hB / v11) / 0.9;
        double gA = 0.4 * scale * v11, gC = 0.5 * scale * v11;
        var d11 = run.Trades.Where(t => t.Date == run.Dates[11]).ToList();
        Assert.Contains(d11, t => t.Symbol == "000002.SZ" && t.Status == TradeStatus.Suspended);
        Assert.Equal(gC, d11.Single(t => t.Symbol == "688001.SH").Value, 9);
        cash -= gA - hA + gC + Cost(Math.Abs(gA - hA), gA < hA) + Cost(gC, false);
        hA = gA * 12 / 11;
        double hC = gC * 57 / 60 * 57.5 / 57;
        Assert.Equal((hA + hB + hC + cash) / 100_000, run.Nav[12], 12);

        // Day 13: C has no listing → sold at day 12's close 57.5, sell costs charged.
        var delisted = run.Trades.Single(t => t.Status == TradeStatus.Delisted);
        Assert.Equal(("688001.SH", 57.5, true), (delisted.Symbol, delisted.Price, delisted.Sell));
        Assert.Equal(hC, delisted.Value, 9);
        cash += hC - Cost(hC, true);
        hB *= 22.0 / 21;
        Assert.Equal((hA + hB + cash) / 100_000, run.Nav[13], 12);
        Assert.Equal(run.Nav[13], run.Nav[14], 15);
        Assert.Equal(1.172434184973458, run.Nav[14], 9);

        // Benchmark: 0.4/0.4/0.2 of the constituents' close-to-close returns; suspended B counts 0;
        // day 13 C is gone, so A and B are weighted 0.5/0.5.
        double bench = 1.02 * (1 + 0.4 * (11 / 10.5 - 1)) * 1.04 * 1.02 * (1 + 0.4 * (12.0 / 11 - 1) + 0.2 * (57.0 / 60 - 1))
                       * (1 + 0.2 * (57.5 / 57 - 1)) * (1 + 0.5 * (22.0 / 21 - 1));
        Assert.Equal(bench, run.BenchmarkNav[14], 12);
        Assert.All(run.Rebalances, r => Assert.Equal(Sig.Portfolio.Optimizer.OptimizerStatus.Optimal, r.Status));
    }

    [Fact]
    public void Share_mode_buys_whole_lots_and_star_at_least_200()
    {
        var run = new PortfolioBacktest(Panel(), LooseBounds, Costs with { Capital = 1_234_567 }).Run(Scores(), null, shareMode: true);
        var buys = run.Trades.Where(t => t.Status == TradeStatus.Filled && !t.Sell).ToList();
        Assert.NotEmpty(buys);
        foreach (var t in buys)
        {
            if (LotRules.IsStar(t.Symbol)) Assert.True(t.Shares >= 200 && t.Shares == Math.Floor(t.Shares), $"{t.Symbol} {t.Shares}");
            else Assert.Equal(0, t.Shares % 100);
            Assert.Equal(t.Shares * t.Price, t.Value, 6);
        }
        // Day 1: A buys floor(0.7·1,234,567 / 10 / 100)·100 = 86,400 shares.
        Assert.Equal(86_400, buys.First(t => t.Symbol == "600001.SH").Shares);
    }

    [Theory]
    [InlineData("600000.SH", 1234.9, 1200)]
    [InlineData("000001.SZ", 99.99, 0)]
    [InlineData("688001.SH", 199.5, 0)]
    [InlineData("688001.SH", 200, 200)]
    [InlineData("689009.SH", 257.7, 257)]
    public void Lot_rules(string symbol, double shares, double expected) => Assert.Equal(expected, LotRules.RoundDown(symbol, shares));
}
