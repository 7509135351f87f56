using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Sig.Factors.Daily;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// The close's daily bars go into an array the engine made at the day start, so the close step
/// allocates nothing for them (made there, ≈ 180 KB for 2,500 symbols on the large-object heap
/// could fault in a fresh huge page inside the step). The array goes with the bars it holds: a
/// second call, as a restart's replay of the close makes, writes its own.
/// </summary>
public class ShardMinuteEngineCloseTests
{
    // Every event of the day's first n symbols, symbol by symbol.
    private static List<TickEvent> AllEvents(InMemoryDay day, int n)
    {
        var all = new List<TickEvent>();
        for (int s = 0; s < n; s++)
        {
            var events = new TickEvent[day.EventCount(s)];
            day.ReadEvents(s, 0, events);
            all.AddRange(events);
        }
        return all;
    }

    [Fact]
    public void The_close_writes_the_daily_bars_into_the_day_start_array_and_hands_it_on()
    {
        using var backend = new CpuComputeBackend(1);
        var engine = new ShardMinuteEngine(new MinuteCrossSection(new BigOrderOptions(), backend, PipelineOutputs.Daily));
        var day = InMemoryDay.Random(40, 17, eventsPerSymbol: 200);
        // A symbol of the universe with no event (suspended): no bar.
        var universe = Enumerable.Range(0, 40).Select(day.Symbol).Append(SymbolCode.Parse("699999.SH")).ToArray();
        engine.BeginDay(day.Date, universe);
        var all = AllEvents(day, 40);
        engine.Apply([.. all.OrderBy(e => e.Time).ThenBy(e => e.Seq)]);
        int closes = 0;
        engine.Clock(ExchangeTime.SessionClose + 1, _ => closes++);
        Assert.Equal(1, closes);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var bars = engine.DailyBarsAtClose();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The array alone would be 41 × the bar's size; the segment itself is a struct.
        Assert.True(allocated < 41 * 64, $"the close allocated {allocated} bytes");

        var again = engine.DailyBarsAtClose();
        Assert.NotSame(bars.Array, again.Array);
        var traded = all.Where(e => e.Kind == TickKind.Trade && e.Type == (byte)'F').Select(e => new SymbolCode(e.Symbol)).Distinct().Order().ToArray();
        Assert.True(traded.Length >= 30, "most symbols must trade");
        Assert.Equal(traded, bars.Select(b => b.Symbol).ToArray());
        Assert.Equal([.. bars], [.. again]);
        Assert.Equal([.. bars], engine.DailyBars());
        Assert.DoesNotContain(bars, b => b.Symbol == universe[40]);
    }

    [Theory]
    [InlineData(PipelineOutputs.Daily, true)]
    [InlineData(PipelineOutputs.All, false)]
    public void A_daily_outputs_day_tells_the_state_that_only_the_close_is_evaluated(PipelineOutputs outputs, bool deferred)
    {
        // The books of a close-only day keep their size buckets unbuilt (their one query scans the rows);
        // every minute's books build them at their first flush.
        using var backend = new CpuComputeBackend(1);
        var engine = new ShardMinuteEngine(new MinuteCrossSection(new BigOrderOptions(), backend, outputs));
        var day = InMemoryDay.Random(12, 23, eventsPerSymbol: 300);
        engine.BeginDay(day.Date, Enumerable.Range(0, 12).Select(day.Symbol));
        engine.Apply([.. AllEvents(day, 12).OrderBy(e => e.Time).ThenBy(e => e.Seq)]);
        var state = (CpuShardState)engine.State;
        int books = 0;
        for (int i = 0; i < 12; i++)
        {
            var orders = state.State(i).Orders;
            if (orders.Count == 0) continue;
            books++;
            Assert.Equal(deferred, orders.Deferred);
        }
        Assert.True(books >= 10, $"{books} symbols with orders");
    }
}
