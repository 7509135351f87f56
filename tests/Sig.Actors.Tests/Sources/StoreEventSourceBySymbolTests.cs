using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Xunit;

namespace Sig.Actors.Tests.Sources;

/// <summary>
/// The store source read symbol by symbol (<see cref="StoreReadOrder.BySymbol"/>): a day start
/// marked so, then each lane's symbols' whole days in batches that take turns between the lanes,
/// then the day's 240 clocks; every stored event exactly once, each symbol's in stored order.
/// </summary>
public sealed class StoreEventSourceBySymbolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(16)] // more lanes than symbols: the last lanes are empty
    public void Each_lanes_symbols_come_whole_in_stored_order_lanes_take_turns_and_the_clocks_follow(int lanes)
    {
        var day = StoreEventSourceLanesTests.DenseDay();
        var got = StoreEventSourceLanesTests.Read(new StoreEventSource([day.Date], _ => day, lanes: lanes, order: StoreReadOrder.BySymbol));
        var starts = ShardRanges.Starts(day.SymbolCount, Math.Max(1, lanes));
        int LaneOf(int symbol) => Enumerable.Range(0, starts.Length - 1).First(l => Enumerable.Range(starts[l], starts[l + 1] - starts[l]).Any(i => day.Symbol(i).Value == symbol));

        Assert.Equal(MarketInputKind.DayStart, got[0].Kind);
        Assert.Equal(Enumerable.Range(0, day.SymbolCount).Select(day.Symbol), got[0].Symbols);
        var ticks = got.Skip(1).TakeWhile(i => i.Kind == MarketInputKind.Ticks).ToList();
        var clocks = got.Skip(1 + ticks.Count).ToList();
        Assert.Equal(Enumerable.Range(1, SessionBars.BarsPerDay).Select(SessionBars.CloseTimeOf), clocks.Select(c => c.Time));
        Assert.All(clocks, c => Assert.Equal(MarketInputKind.Clock, c.Kind));

        // One lane a batch, full batches except a lane's last, and lanes in turn while more than one has events left.
        var laneOfBatch = ticks.Select(t => Assert.Single(t.Events.Select(e => LaneOf(e.Symbol)).Distinct())).ToList();
        Assert.All(ticks, t => Assert.InRange(t.Events.Length, 1, StoreEventSource.BatchEvents));
        for (int b = 0; b < ticks.Count; b++)
            if (ticks[b].Events.Length < StoreEventSource.BatchEvents)
                Assert.DoesNotContain(laneOfBatch[b], laneOfBatch.Skip(b + 1));
        if (lanes > 1) Assert.NotEqual(laneOfBatch[0], laneOfBatch[1]);

        // Per lane, the events are its symbols' whole days one after another, ascending: the stored rows exactly.
        for (int l = 0; l < starts.Length - 1; l++)
        {
            var want = new List<TickEvent>();
            for (int i = starts[l]; i < starts[l + 1]; i++)
            {
                var events = new TickEvent[day.EventCount(i)];
                day.ReadEvents(i, 0, events);
                want.AddRange(events);
            }
            var lane = ticks.Where((_, b) => laneOfBatch[b] == l).SelectMany(t => t.Events).ToList();
            Assert.Equal(want, lane);
        }
    }

    [Fact]
    public void A_symbol_by_symbol_read_of_part_of_a_day_is_refused()
    {
        var day = StoreEventSourceLanesTests.DenseDay();
        Assert.Throws<ArgumentException>(() => new StoreEventSource([day.Date], _ => day, lastMinute: 30, order: StoreReadOrder.BySymbol));
    }

    [Fact]
    public async Task The_day_start_says_the_day_comes_symbol_by_symbol()
    {
        var day = StoreEventSourceLanesTests.DenseDay();
        await using var reader = new StoreEventSource([day.Date], _ => day, order: StoreReadOrder.BySymbol).ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());
        Assert.True(reader.Current.BySymbol);
        await using var plain = new StoreEventSource([day.Date], _ => day).ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await plain.MoveNextAsync());
        Assert.False(plain.Current.BySymbol);
    }
}
