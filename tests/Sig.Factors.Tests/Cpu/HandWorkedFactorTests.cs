using Sig.Engine.Events;
using Sig.Factors.Intraday;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;
using R = Sig.Factors.Tests.Cpu.ReferenceFactors;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// Small days worked by hand. Day H1 (000001.SZ), as of minute 4:
/// fills  #1 09:25:00 10.00×100 buy 1/sell 101 side N (auction → bar 1)
///        #2 09:30:10 10.10×200 buy 2/sell 102 side B (bar 1)
///        #3 09:31:05 10.00×100 buy 3/sell 101 side S (bar 2)
///        #4 09:33:00 10.20×400 buy 2/sell 103 side B (bar 4; bar 3 empty)
/// bars   b1 O10 H10.1 L10 C10.1 V300 A3020 n2 nab+2020 · b2 10/100/1000/1/−1000 · b3 empty at 10 · b4 10.2/400/4080/1/+4080
/// returns r1 = 10.1/10−1 = 0.01, r2 = 10/10.1−1 = −1/101, r3 = 0, r4 = 10.2/10−1 = 0.02
/// orders A: buy1 1000, buy2 2020+4080 = 6100, buy3 1000, sell101 1000+1000 = 2000, sell102 2020, sell103 4080;
///        μ = 16200/6 = 2700, σ² = 63,936,800/6 − 2700² = 3,366,133.3 → σ ≈ 1834.7, θ ≈ 4534.7: only buy 2 is big.
/// new orders: buys 100 (auction), 600 (09:30:05 L 10.20), 100 (09:31 M); sells 200 (auction), 200 (09:30:06), 400 (09:32:59);
///        plus an SH delete row that must be ignored.
/// </summary>
public class HandWorkedFactorTests
{
    private static readonly SymbolCode S = RandomDay.Symbol;
    private static readonly double R2 = 10.0 / 10.1 - 1;

    private static List<TickEvent> DayH1() =>
    [
        TickEvent.Order(S, 91500000, 1, 1, 'B', 100000, 100, 'L'),
        TickEvent.Order(S, 91600000, 2, 101, 'S', 100000, 200, 'L'),
        TickEvent.Trade(S, 92500000, 10, 100000, 100, 1, 101, 'N', 'F'),
        TickEvent.Order(S, 93005000, 15, 2, 'B', 102000, 600, 'L'),
        TickEvent.Order(S, 93006000, 16, 102, 'S', 101000, 200, 'L'),
        TickEvent.Trade(S, 93010000, 20, 101000, 200, 2, 102, 'B', 'F'),
        TickEvent.Order(S, 93100000, 25, 3, 'B', 0, 100, 'M'),
        TickEvent.Trade(S, 93105000, 30, 100000, 100, 3, 101, 'S', 'F'),
        TickEvent.Order(S, 93259000, 35, 103, 'S', 102000, 400, 'L'),
        TickEvent.Order(S, 93259000, 36, 104, 'S', 102000, 400, 'D'),
        TickEvent.Trade(S, 93300000, 40, 102000, 400, 2, 103, 'B', 'F'),
    ];

    private static double[] H1() => FromScratch(DayH1(), 4);

    private static void Near(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    [Fact] public void F01_late_skew_is_nan_before_its_window() => Assert.True(double.IsNaN(H1()[0]));
    // Σ_{r<0} r² / Σ r² = r2² / (r1² + r2² + r4²)
    [Fact] public void F02_down_vol_perc() => Near(R2 * R2 / (0.01 * 0.01 + R2 * R2 + 0.02 * 0.02), H1()[1]);
    // pairs (r_m, r_{m−1}) for m = 2..4
    [Fact] public void F03_corr_ret_lastret() => Near(R.Corr([R2, 0, 0.02], [0.01, R2, 0]), H1()[2]);
    // only m = 2 has both bars traded → one pair < 3 → NaN
    [Fact] public void F04_corr_close_nextopen_needs_three_traded_pairs() => Assert.True(double.IsNaN(H1()[3]));
    [Fact] public void F05_10_volume_perc_nan_before_their_half_hour() => Assert.All(H1()[4..10], x => Assert.True(double.IsNaN(x)));
    [Fact] public void F11_corr_volume_item() => Near(R.Corr([300, 100, 0, 400], [2, 1, 0, 1]), H1()[10]);
    [Fact] public void F12_early_corr_volume_ret() => Near(R.Corr([300, 100, 0, 400], [0.01, R2, 0, 0.02]), H1()[11]);
    // T = 3 traded bars, ⌈0.9⌉ = 1: the largest average trade (b4: 4080/1) → 1.02 − 1
    [Fact] public void F13_bigorder_ret() => Near(0.02, H1()[12]);
    // down bars: b2 (1000 / 1); all: 8100 / 4 = 2025
    [Fact] public void F14_down_single_amt_perc() => Near(1000.0 / 2025.0, H1()[13]);
    // traded bars: amplitude b1 (10.1−10)/10 = 0.01, b2 0/10.1, b4 0/10
    [Fact] public void F15_corr_volume_amplitude() => Near(R.Corr([300, 100, 400], [0.01, 0, 0]), H1()[14]);
    // big = {buy 2}: 6100 / (2 · 8100)
    [Fact] public void F16_bigorder_amt_perc() => Near(6100.0 / 16200.0, H1()[15]);
    // E(buy 2) = 6100 (both fills early), no big sell: 6100 / 6100
    [Fact] public void F17_early_bigorder_buy_perc() => Near(1.0, H1()[16]);
    // L(buy 2) = ℓ2 + ℓ4 = ln(10.1/10) + ln(10.2/10)
    [Fact] public void F18_bigorder_ret2() => Near(Math.Log(1.01) + Math.Log(1.02), H1()[17]);
    // buy 2 is the aggressor (side B) of both its early fills
    [Fact] public void F19_early_active_bigorder_ret() => Near(Math.Log(1.01) + Math.Log(1.02), H1()[18]);
    // (1000² + 6100² + 1000² − 2000² − 2020² − 4080²) / 8100²
    [Fact] public void F20_concentration_diff() => Near((39_210_000.0 - 24_726_800.0) / 65_610_000.0, H1()[19]);
    // early B: 2020 + 4080; early S: 1000; the N auction fill has no aggressor
    [Fact] public void F21_early_active_buy_perc() => Near(6100.0 / 7100.0, H1()[20]);
    [Fact] public void F22_corr_netactivebuy_lastret() => Near(R.Corr([-1000, 0, 4080], [0.01, R2, 0]), H1()[21]);
    [Fact] public void F23_corr_netactivebuy_nextret() => Near(R.Corr([2020, -1000, 0], [R2, 0, 0.02]), H1()[22]);
    // buys {100,600,100} and sells {200,200,400} are both "two equal, one larger": skew 1/√2 each
    [Fact] public void F24_skew_order_diff() { Near(Math.Sqrt(0.5), R.Skew([100, 600, 100])); Near(0, H1()[23]); }
    // same shape: kurt = mean(d⁴)/σ⁴ − 3 = 1.5 − 3 for both → 0
    [Fact] public void F25_kurt_order_diff() { Near(-1.5, R.Kurt([100, 600, 100])); Near(0, H1()[24]); }
    // early (09:30–09:59) orders: 600, 200, 100, 400 (auction orders and the D row excluded)
    [Fact] public void F26_early_kurt_order() => Near(R.Kurt([600, 200, 100, 400]), H1()[25]);
    // buy limit orders: only two (100 @ 10.00, 600 @ 10.20) → NaN
    [Fact] public void F27_corr_buyorder_volume_price_needs_three() => Assert.True(double.IsNaN(H1()[26]));

    [Fact]
    public void F27_corr_buyorder_volume_price_with_three()
    {
        var day = DayH1();
        day.Add(TickEvent.Order(S, 93400000, 50, 4, 'B', 101000, 300, 'L'));
        // (100, 10.00), (600, 10.20), (300, 10.10)
        Near(R.Corr([100, 600, 300], [10.00, 10.20, 10.10]), FromScratch(day, 5)[26]);
    }

    [Fact]
    public void Volume_perc_divides_by_volume_so_far()
    {
        var day = DayH1();
        day.Add(TickEvent.Trade(S, 100000000, 60, 102000, 700, 5, 105, 'B', 'F')); // 10:00:00 → bar 31 (half hour 2)
        var v = FromScratch(day, 31);
        Near(700.0 / (800 + 700), v[4]);          // volume_perc2 = 700 / (300+100+400+700)
        Assert.True(double.IsNaN(v[5]));          // volume_perc3 not started
    }

    [Fact]
    public void A_day_with_orders_but_no_fill_is_all_nan()
    {
        var orders = DayH1().Where(e => e.Kind == TickKind.Order).ToList();
        Assert.All(FromScratch(orders, 240), x => Assert.True(double.IsNaN(x)));
        Assert.All(FromScratch(DayH1().Take(2).ToList(), 1), x => Assert.True(double.IsNaN(x))); // two auction orders, no fill yet
    }

    [Fact]
    public void Fewer_than_three_orders_means_no_big_order()
    {
        var v = FromScratch([TickEvent.Trade(S, 93010000, 20, 101000, 200, 2, 102, 'B', 'F')], 240);
        Assert.Equal(0, v[15]);
        Assert.True(double.IsNaN(v[16]));
        Assert.Equal(0, v[17]);
        Assert.Equal(0, v[18]);
    }

    [Fact]
    public void Equal_amounts_make_every_order_big_and_constant_prices_give_nan_statistics()
    {
        // Three fills of 10.00 × 100 between six distinct orders: all amounts 1000 → all big.
        List<TickEvent> day =
        [
            TickEvent.Trade(S, 93010000, 1, 100000, 100, 1, 11, 'B', 'F'),
            TickEvent.Trade(S, 93110000, 2, 100000, 100, 2, 12, 'S', 'F'),
            TickEvent.Trade(S, 93210000, 3, 100000, 100, 3, 13, 'B', 'F'),
        ];
        var v = FromScratch(day, 240);
        Assert.Equal(1.0, v[15]);                    // Σ_big A = 6 × 1000 = 2·TA
        Assert.Equal(0.5, v[16]);                    // early E: 3 big buys × 1000 / (3000 + 3 big sells × 1000)
        Assert.True(double.IsNaN(v[1]));             // Σ r² = 0: ratio with zero denominator
        Assert.True(double.IsNaN(v[0]));             // late window constant (all r = 0)
        Assert.True(double.IsNaN(v[2]));             // constant returns
        Assert.True(double.IsNaN(v[3]));             // closes constant
    }

    [Fact]
    public void An_order_becomes_big_and_stops_being_big_as_theta_moves()
    {
        var state = new SymbolDayState(S);
        bool IsBig(int index)
        {
            var b = state.Orders;
            return new BigOrderThreshold(b.Count, b.SizeSum, b.SizeSquareSum, 1.0, 0).IsBig(b.ClassificationSizeOf(index));
        }
        // Orders by first appearance: 0 = buy 1, 1 = sell 11, 2 = buy 2, 3 = sell 12, …
        state.Apply(TickEvent.Trade(S, 93010000, 1, 100000, 100, 1, 11, 'B', 'F'));
        state.Apply(TickEvent.Trade(S, 93020000, 2, 100000, 100, 2, 12, 'B', 'F'));
        state.Apply(TickEvent.Trade(S, 93030000, 3, 100000, 900, 1, 13, 'B', 'F')); // buy 1 = 10000, others 1000 / 9000
        Assert.True(IsBig(0));   // buy 1: 10000 vs μ = 4400, σ ≈ 4004
        Assert.False(IsBig(2));  // buy 2: 1000
        // buy 2 grows past everyone: θ moves up and buy 1 drops out, buy 2 becomes big.
        state.Apply(TickEvent.Trade(S, 93040000, 4, 100000, 5000, 2, 14, 'B', 'F'));
        state.Apply(TickEvent.Trade(S, 93050000, 5, 100000, 5000, 2, 15, 'B', 'F'));
        Assert.True(IsBig(2));   // buy 2: 101000
        Assert.False(IsBig(0));  // buy 1: 10000, θ now far above it
    }

    [Fact]
    public void Auction_prints_land_in_bars_1_and_240_and_1130_in_bar_120()
    {
        var state = new SymbolDayState(S);
        state.Apply(TickEvent.Trade(S, 92500000, 1, 100000, 100, 1, 2, 'N', 'F'));
        state.Apply(TickEvent.Trade(S, 113000000, 2, 100000, 200, 3, 4, 'B', 'F'));
        state.Apply(TickEvent.Trade(S, 150000000, 3, 100000, 300, 5, 6, 'N', 'F'));
        Assert.Equal(100, state.Bars[1].Volume);
        Assert.Equal(200, state.Bars[120].Volume);
        Assert.Equal(300, state.Bars[240].Volume);
        Assert.Equal(0, state.Bars[1].NetActiveBuy); // side N has no aggressor
    }
}

/// <summary>Classification by submitted size (bigOrder.classifyBy = submitted).</summary>
public class SubmittedSizeTests
{
    private static readonly SymbolCode S = RandomDay.Symbol;

    [Fact]
    public void Submitted_size_classifies_a_small_fill_of_a_huge_order_as_big()
    {
        // Buy 9 submits 100,000 shares at 10 (1,000,000 CNY) but fills only 100; six other orders fill 1000 each.
        List<TickEvent> day =
        [
            TickEvent.Order(S, 93000000, 1, 9, 'B', 100000, 100_000, 'L'),
            TickEvent.Trade(S, 93010000, 2, 100000, 100, 9, 21, 'B', 'F'),
            TickEvent.Trade(S, 93020000, 3, 100000, 1000, 1, 22, 'B', 'F'),
            TickEvent.Trade(S, 93030000, 4, 100000, 1000, 2, 23, 'S', 'F'),
            TickEvent.Trade(S, 93040000, 5, 100000, 1000, 3, 24, 'B', 'F'),
        ];
        var filled = FactorTestKit.FromScratch(day, 240);
        var submitted = FactorTestKit.FromScratch(day, 240, sizing: Sig.Engine.Config.BigOrderSizing.Submitted);
        // By fills, buy 9 (1000 CNY) is the smallest order and not big; by submitted size it is the only big one:
        // 16 = its filled 1000 / (2 · 31000).
        Assert.Equal(1000.0 / 62000.0, submitted[15], 12);
        Assert.NotEqual(filled[15], submitted[15]);
    }
}
