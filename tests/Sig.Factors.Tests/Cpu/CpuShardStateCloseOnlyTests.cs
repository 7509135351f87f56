using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// A day told that only its close is evaluated (<see cref="Sig.Factors.Compute.IShardFactorState.ExpectCloseOnly"/>,
/// daily outputs): its books keep their size buckets unbuilt all day, and its close equals, bit for
/// bit, that of a state that built them — also through a copy taken part-way, and on the next day,
/// which (not told) builds them again.
/// </summary>
public class CpuShardStateCloseOnlyTests
{
    private const int W = FactorCatalog.Count;

    private static SymbolCode[] Symbols(int n) => Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(600100 + i, "SH")).ToArray();

    private static List<TickEvent>[] Days(int seed, SymbolCode[] symbols) =>
        symbols.Select((s, i) => RandomDay.Make(seed * 100 + i, 400 + 113 * (i % 5), orderPool: 50 + 30 * (i % 3), sparse: i % 3 == 1)
            .Select(e => { e.Symbol = s.Value; return e; }).ToList()).ToArray();

    // Minute by minute: each symbol's events of bar m, then the next bar (runs of one symbol, as a feed sends them).
    private static void FeedBars(CpuShardState state, List<TickEvent>[] days, int fromBar, int toBar)
    {
        for (int bar = fromBar; bar <= toBar; bar++)
            for (int i = 0; i < days.Length; i++)
            {
                var run = days[i].Where(e => SessionBars.BarOf(e.Time) == bar).ToArray();
                if (run.Length > 0) state.Apply(run, Enumerable.Repeat(i, run.Length).ToArray());
            }
    }

    private static double[] Close(CpuShardState state)
    {
        var rows = new double[state.SymbolCount * W];
        Array.Fill(rows, double.NaN);
        state.Evaluate(SessionBars.BarsPerDay, rows, new int[state.SymbolCount]);
        return rows;
    }

    [Theory]
    [InlineData(1, BigOrderSizing.Filled)]
    [InlineData(2, BigOrderSizing.Submitted)]
    public void A_close_only_day_never_builds_its_buckets_and_closes_as_a_day_that_does(int seed, BigOrderSizing sizing)
    {
        var symbols = Symbols(9);
        var backend = new CpuComputeBackend(1);
        var closeOnly = (CpuShardState)backend.CreateShard(Default, sizing);
        var everyMinute = (CpuShardState)backend.CreateShard(Default, sizing);
        for (int day = 0; day < 2; day++)
        {
            var days = Days(seed + 10 * day, symbols);
            closeOnly.BeginDay(symbols);
            everyMinute.BeginDay(symbols);
            if (day == 0) closeOnly.ExpectCloseOnly(); // the next day start forgets it
            FeedBars(closeOnly, days, 0, 120);
            // A supervision copy part-way: the copy goes on (a restore), and is still a close-only day.
            var live = day == 0 ? (CpuShardState)((CpuShardState)closeOnly.Copy()).Copy() : closeOnly;
            FeedBars(live, days, 121, SessionBars.BarsPerDay);
            FeedBars(everyMinute, days, 0, SessionBars.BarsPerDay);
            for (int i = 0; i < symbols.Length; i++)
            {
                if (live.State(i).Orders.Count == 0) continue;
                Assert.Equal(day == 0, live.State(i).Orders.Deferred);
                Assert.False(everyMinute.State(i).Orders.Deferred);
            }
            AssertBitIdentical(Close(everyMinute), Close(live), $"day {day}");
            if (day == 0)
                for (int i = 0; i < symbols.Length; i++)
                {
                    Assert.True(live.State(i).Orders.Deferred); // queried once, at the close: answered by a scan
                    Assert.Equal(0, live.State(i).Orders.MemberSlabInts);
                }
            closeOnly = live;
        }
    }
}
