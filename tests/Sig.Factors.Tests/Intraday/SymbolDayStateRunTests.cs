using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Sig.Factors.Intraday;
using Sig.Factors.Tests.Cpu;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// <see cref="SymbolDayState.Apply(ReadOnlySpan{TickEvent})"/> does a run's shared work once (the
/// bar of a clock minute, the bar's row, the counters): a day applied in runs of random lengths —
/// runs that span bars, minutes and the lunch break, with evaluations between some of them and a
/// fill for a bar already folded — ends in the same state, byte for byte, and the same rows, bit
/// for bit, as the day applied one event at a time.
/// </summary>
public class SymbolDayStateRunTests
{
    private static byte[] Bytes(SymbolDayState state)
    {
        var writer = new SnapshotWriter();
        SymbolDayStateCodec.Write(writer, state);
        return writer.Written.ToArray();
    }

    [Theory]
    [InlineData(21, BigOrderSizing.Filled, false)]
    [InlineData(22, BigOrderSizing.Submitted, false)]
    [InlineData(23, BigOrderSizing.Filled, true)]
    public void A_day_in_runs_equals_the_day_one_event_at_a_time(int seed, BigOrderSizing sizing, bool sparse)
    {
        var events = RandomDay.Make(seed, 3000, orderPool: 300, sparse: sparse).ToArray();
        var rng = new Random(seed);
        var single = new SymbolDayState(RandomDay.Symbol, sizing);
        var runs = new SymbolDayState(RandomDay.Symbol, sizing);
        var evaluator = new IntradayFactorEvaluator();
        MinuteBarFold singleFold = new(), runFold = new();
        var singleRow = new double[FactorCatalog.Count];
        var runRow = new double[FactorCatalog.Count];
        int evaluations = 0;
        for (int k = 0; k < events.Length;)
        {
            int length = Math.Min(events.Length - k, rng.Next(8) == 0 ? rng.Next(1, 400) : rng.Next(1, 12));
            foreach (var e in events.AsSpan(k, length)) single.Apply(in e);
            runs.Apply(events.AsSpan(k, length));
            k += length;
            Assert.Equal(single.Version, runs.Version);
            Assert.Equal(single.LastSeq, runs.LastSeq);
            Assert.Equal(single.LastBar, runs.LastBar);
            if (rng.Next(3) == 0)
            {
                // As of the newest bar applied: later runs then bring fills for bars already folded too.
                int m = single.LastBar;
                evaluator.Evaluate(single, singleFold, m, FactorTestKit.Default, singleRow);
                evaluator.Evaluate(runs, runFold, m, FactorTestKit.Default, runRow);
                FactorTestKit.AssertBitIdentical(singleRow, runRow, $"seed {seed} after {k} events, as of {m}");
                evaluations++;
            }
        }
        Assert.True(evaluations > 10);
        Assert.Equal(Bytes(single), Bytes(runs));
        evaluator.Evaluate(single, singleFold, SessionBars.BarsPerDay, FactorTestKit.Default, singleRow);
        evaluator.Evaluate(runs, runFold, SessionBars.BarsPerDay, FactorTestKit.Default, runRow);
        FactorTestKit.AssertBitIdentical(singleRow, runRow, $"seed {seed} at the close");
    }

    [Fact]
    public void One_run_over_every_bar_boundary_gives_each_event_the_bar_of_its_own_time()
    {
        // One fill a millisecond before and at every bar's start, all in one run: each lands in its own bar.
        var events = new List<TickEvent>();
        long seq = 1;
        for (int bar = 1; bar <= SessionBars.BarsPerDay; bar++)
        {
            int start = bar == 1 ? ExchangeTime.OpenAuctionPrint : SessionBars.StartTimeOf(bar);
            foreach (int time in new[] { ExchangeTime.FromMillis(ExchangeTime.ToMillis(start) - 1), start })
                events.Add(TickEvent.Trade(RandomDay.Symbol, time, seq++, 100_000 + seq, 100, seq, seq + 1, 'B', 'F'));
        }
        events.Add(TickEvent.Trade(RandomDay.Symbol, ExchangeTime.SessionClose, seq++, 100_000, 100, 1, 2, 'N', 'F'));
        var single = new SymbolDayState(RandomDay.Symbol);
        foreach (var e in events) single.Apply(e);
        var runs = new SymbolDayState(RandomDay.Symbol);
        runs.Apply(events.ToArray());
        for (int bar = 1; bar <= SessionBars.BarsPerDay; bar++)
        {
            int expected = events.Count(e => SessionBars.BarOf(e.Time) == bar);
            Assert.Equal(expected, runs.Bars[bar].Count);
            Assert.Equal(single.Bars[bar], runs.Bars[bar]);
        }
        Assert.Equal(Bytes(single), Bytes(runs));
    }
}
