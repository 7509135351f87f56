using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Engine.Time;
using Sig.Factors.Intraday;
using Sig.Factors.Tests.Cpu;
using Xunit;

namespace Sig.Factors.Tests.Daily;

public class DailyBarTests
{
    private static readonly SymbolCode Sym = SymbolCode.Parse("000001.SZ");
    private static long _seq;

    private static TickEvent Fill(int time, double price, long volume, char side = 'B') =>
        TickEvent.Trade(Sym, time, ++_seq, FixedPrice.FromDouble(price), volume, 1, 2, side, 'F');

    private static RawDailyBar Day(params TickEvent[] fills)
    {
        var state = new SymbolDayState(Sym);
        state.Apply(fills);
        return RawDailyBar.From(state) ?? throw new InvalidOperationException("no bar");
    }

    private static DailyReference Reference(double adj = 1.0, double limitUp = 11.0, double limitDown = 9.0) => new()
    {
        Date = new DateOnly(2024, 3, 1), Symbol = Sym, PreClose = FixedPrice.FromDouble(10), AdjFactor = adj, Industry = "801010",
        TotalShares = 1_000_000, FloatShares = 400_000, FreeFloatShares = 200_000, IsSt = false,
        LimitUp = FixedPrice.FromDouble(limitUp), LimitDown = FixedPrice.FromDouble(limitDown), Weights = [0.01],
    };

    [Fact]
    public void Closing_auction_print_is_the_close_and_totals_cover_every_fill()
    {
        var bar = Day(Fill(92500000, 10.00, 100), Fill(100000000, 10.50, 200), Fill(140000000, 9.80, 100),
            Fill(145930000, 10.10, 100), Fill(150000000, 10.20, 300), Fill(150000000, 10.20, 100));
        Assert.Equal(CloseRule.ClosingAuction, bar.Rule);
        Assert.Equal(10.20, bar.Close, 12);
        Assert.Equal(10.00, bar.Open);
        Assert.Equal(10.50, bar.High);
        Assert.Equal(9.80, bar.Low);
        Assert.Equal(900, bar.Volume);
        // 1000 + 2100 + 980 + 1010 + 3060 + 1020
        Assert.Equal(9170.0, bar.Amount, 9);
        Assert.Equal(6, bar.Fills);
    }

    [Fact]
    public void Without_a_closing_auction_the_close_is_the_last_minute_vwap_else_the_last_fill()
    {
        var vwap = Day(Fill(100000000, 10.00, 100), Fill(145900000, 10.00, 100), Fill(145959999, 10.30, 300));
        Assert.Equal(CloseRule.LastMinuteVwap, vwap.Rule);
        Assert.Equal((1000.0 + 3090.0) / 400, vwap.Close, 12);

        var last = Day(Fill(100000000, 10.00, 100), Fill(143000000, 10.40, 100), Fill(145000000, 10.10, 50));
        Assert.Equal(CloseRule.LastFill, last.Rule);
        Assert.Equal(10.10, last.Close, 12);
    }

    [Fact]
    public void A_day_without_fills_has_no_bar()
    {
        var state = new SymbolDayState(Sym);
        state.Apply([TickEvent.Order(Sym, 93000000, 1, 7, 'B', FixedPrice.FromDouble(10), 100, 'L')]);
        Assert.Null(RawDailyBar.From(state));
    }

    [Fact]
    public void Adjustment_multiplies_prices_and_vwap_but_caps_use_the_unadjusted_close()
    {
        var raw = Day(Fill(93000000, 5.00, 1000), Fill(110000000, 5.50, 1000), Fill(150000000, 5.20, 2000));
        var bar = DailyBar.Adjust(new DateOnly(2024, 3, 1), raw, Reference(adj: 2.0, limitUp: 5.5, limitDown: 4.5));
        Assert.Equal(10.0, bar.Open, 12);
        Assert.Equal(11.0, bar.High, 12);
        Assert.Equal(10.4, bar.Close, 12);
        Assert.Equal(2 * (5000 + 5500 + 10400) / 4000.0, bar.Vwap, 12);
        Assert.Equal(20900.0, bar.Amount, 9);
        Assert.Equal(5.2 * 1_000_000, bar.TotalCap, 6);
        Assert.Equal(5.2 * 400_000, bar.FloatCap, 6);
        Assert.Equal(4000 / 400_000.0, bar.Turnover, 15);
        Assert.Equal(4000 / 200_000.0, bar.FreeTurnover, 15);
        Assert.False(bar.OpenAtLimitUp);
        Assert.False(bar.LowAtLimitUp);

        var oneprice = DailyBar.Adjust(new DateOnly(2024, 3, 1), Day(Fill(92500000, 11.00, 10), Fill(100000000, 11.00, 10)), Reference());
        Assert.True(oneprice.OpenAtLimitUp);
        Assert.True(oneprice.LowAtLimitUp);
        Assert.False(oneprice.HighAtLimitDown);
    }

    // The day's totals as the bars hold them: one pass over the 240 bars (what the daily bar was
    // computed from before the series kept day totals).
    private static (long High, long Low, long Volume, long Amount) FromBars(MinuteBarSeries bars)
    {
        long high = long.MinValue, low = long.MaxValue, volume = 0, amount = 0;
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            ref readonly var bar = ref bars[m];
            if (bar.Count == 0) continue;
            high = Math.Max(high, bar.High);
            low = Math.Min(low, bar.Low);
            volume += bar.Volume;
            amount += bar.Amount;
        }
        return (high, low, volume, amount);
    }

    private static void AssertTotals(IEnumerable<TickEvent> events, SymbolDayState state, string where)
    {
        var fills = events.Where(e => e.Kind == TickKind.Trade && e.Type == (byte)'F').ToList();
        Assert.True(fills.Count == state.Bars.Fills, $"{where}: fills");
        if (fills.Count == 0) return;
        var expected = (fills.Max(e => e.Price), fills.Min(e => e.Price), fills.Sum(e => e.Volume), fills.Sum(e => e.Price * e.Volume));
        var kept = (state.DayHigh, state.DayLow, state.DayVolume, state.TotalAmount);
        Assert.True(expected == kept, $"{where}: day totals {kept}, fills {expected}");
        Assert.True(expected == FromBars(state.Bars), $"{where}: the bars' totals");
        var bar = RawDailyBar.From(state)!.Value;
        Assert.Equal(FixedPrice.ToDouble(expected.Item1), bar.High);
        Assert.Equal(FixedPrice.ToDouble(expected.Item2), bar.Low);
        Assert.Equal(expected.Item3, bar.Volume);
        Assert.Equal((double)expected.Item4 / FixedPrice.Scale, bar.Amount);
    }

    /// <summary>
    /// The state keeps the day's high, low, volume and amount as fills are applied, so the close
    /// reads them instead of passing over 240 bars: they equal the totals of the fills themselves
    /// and of the bars at every cut, in runs of random lengths, in a clone continued on its own
    /// (its source changed after it), and after a codec round trip (which does not store them).
    /// </summary>
    [Theory]
    [InlineData(31, false)]
    [InlineData(32, true)]
    [InlineData(33, false)]
    public void Day_totals_kept_as_fills_arrive_equal_the_fills_and_the_bars_through_clones_and_the_codec(int seed, bool sparse)
    {
        var events = RandomDay.Make(seed, 4000, orderPool: 200, sparse: sparse).ToArray();
        var rng = new Random(seed);
        var state = new SymbolDayState(RandomDay.Symbol);
        SymbolDayState? clone = null;
        int clonedAt = 0, k = 0;
        while (k < events.Length)
        {
            int length = Math.Min(events.Length - k, rng.Next(1, 300));
            state.Apply(events.AsSpan(k, length));
            clone?.Apply(events.AsSpan(k, length));
            k += length;
            AssertTotals(events.Take(k), state, $"seed {seed} after {k} events");
            if (clone is null && k > events.Length / 3)
            {
                clone = state.Clone();
                clonedAt = k;
            }
        }
        Assert.NotNull(clone);
        AssertTotals(events, clone!, $"seed {seed}, the clone taken after {clonedAt} events");

        var writer = new SnapshotWriter();
        SymbolDayStateCodec.Write(writer, state);
        var read = new SymbolDayState(RandomDay.Symbol);
        SymbolDayStateCodec.Read(new SnapshotReader(writer.Written.ToArray()), read);
        AssertTotals(events, read, $"seed {seed}, read back");

        state.Reset(RandomDay.Symbol);
        Assert.Equal((long.MinValue, long.MaxValue, 0L, 0L), (state.DayHigh, state.DayLow, state.DayVolume, state.TotalAmount));
        Assert.Null(RawDailyBar.From(state));
    }
}
