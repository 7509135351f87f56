using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Xunit;

namespace Sig.Actors.Tests.Sources;

/// <summary>
/// The store source with lanes (the pipeline's shard ranges): each minute's batches come from the
/// lanes in turn, one lane per batch, every lane's batches the one-lane source's events of that
/// lane's symbols cut the same way, and the minute's clock after all of them. So only the order
/// across symbols within a minute changes, and a pipeline's digest does not.
/// </summary>
public sealed class StoreEventSourceLanesTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(16)] // more lanes than symbols: the last lanes are empty
    public void Lanes_take_turns_batch_by_batch_with_one_lanes_events_cut_the_same_way(int lanes)
    {
        var day = DenseDay();
        var one = Read(new StoreEventSource([day.Date], _ => day, batchEvents: StoreEventSourceTests.SmallBatch));
        var got = Read(new StoreEventSource([day.Date], _ => day, lanes: lanes, batchEvents: StoreEventSourceTests.SmallBatch));
        var starts = ShardRanges.Starts(day.SymbolCount, lanes);
        var laneOf = new Dictionary<int, int>();
        for (int l = 0; l < lanes; l++)
            for (int i = starts[l]; i < starts[l + 1]; i++) laneOf[day.Symbol(i).Value] = l;

        var want = new List<(MarketInputKind Kind, int Time, TickEvent[] Events)>();
        bool interleaved = false;
        foreach (var (events, clock) in Minutes(one))
        {
            // The one-lane minute is in symbol order, so each lane's events are a run of it: cut into batches, then dealt in turn.
            var perLane = Enumerable.Range(0, lanes).Select(l => events.Where(e => laneOf[e.Symbol] == l).Chunk(StoreEventSourceTests.SmallBatch).ToList()).ToList();
            for (int k = 0; perLane.Any(b => b.Count > k); k++)
                foreach (var batches in perLane.Where(b => b.Count > k)) want.Add((MarketInputKind.Ticks, 0, batches[k]));
            interleaved |= perLane.Count(b => b.Count > 0) > 1 && perLane.Any(b => b.Count > 1);
            want.Add((MarketInputKind.Clock, clock, []));
        }
        Assert.True(interleaved || lanes > day.SymbolCount / 2, "some minute has a lane of several batches beside another lane");

        Assert.Equal(MarketInputKind.DayStart, got[0].Kind);
        Assert.Equal(one[0].Symbols, got[0].Symbols);
        Assert.Equal(want.Count, got.Count - 1);
        for (int i = 0; i < want.Count; i++)
        {
            var g = got[i + 1];
            Assert.Equal((want[i].Kind, want[i].Time), (g.Kind, g.Time));
            Assert.True(want[i].Events.AsSpan().SequenceEqual(g.Events), $"input {i + 1} differs");
            Assert.Single(g.Events.Select(e => laneOf[e.Symbol]).Distinct().DefaultIfEmpty());
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_pipeline_gives_the_same_digest_with_one_lane_and_with_a_lane_per_shard(int shards)
    {
        var day = InMemoryDay.Random(70, 100, eventsPerSymbol: 3000);
        string oneLane = PipelineKit.Run(new StoreEventSource([day.Date], _ => day), shards: shards).Pipeline.DigestHex;
        string perShard = PipelineKit.Run(new StoreEventSource([day.Date], _ => day, lanes: shards), shards: shards).Pipeline.DigestHex;
        string single = PipelineKit.Run(new StoreEventSource([day.Date], _ => day), shards: 1).Pipeline.DigestHex;
        Assert.Equal(oneLane, perShard);
        Assert.Equal(single, perShard);
    }

    [Fact]
    public void Lanes_below_one_mean_one_as_the_pipelines_shard_count_does()
    {
        var day = DenseDay();
        var one = Read(new StoreEventSource([day.Date], _ => day));
        var zero = Read(new StoreEventSource([day.Date], _ => day, lanes: 0));
        Assert.Equal(one.Count, zero.Count);
        for (int i = 0; i < one.Count; i++) Assert.True(one[i].Events.AsSpan().SequenceEqual(zero[i].Events), $"input {i}");
    }

    /// <summary>
    /// 13 symbols with dense minutes (hundreds of events a symbol in minutes 1–5, so a lane fills
    /// several batches), one symbol with 4,000 events in minute 2 (a symbol over three batches), one
    /// without events, a minute only the first symbols trade in, and rows after the close.
    /// </summary>
    internal static InMemoryDay DenseDay()
    {
        var map = new SortedDictionary<SymbolCode, TickEvent[]>();
        for (int i = 0; i < 13; i++)
        {
            var symbol = SymbolCode.FromParts(600000 + i * 3, "SH");
            var events = new List<TickEvent>();
            for (int m = 1; m <= 5 && i != 6; m++)
            {
                if (m == 3 && i >= 3) continue;
                int count = (i * 37 + m * 101) % 700 + (i == 4 && m == 2 ? 4000 : 0), start = SessionBars.StartTimeOf(m);
                for (int k = 0; k < count; k++)
                    events.Add(TickEvent.Trade(symbol, start + (int)(k * 59_000L / count), events.Count + 1, 100_000 + k % 50, 100, k + 1, k + 2, 'B', 'F'));
            }
            if (i % 4 == 1) events.Add(TickEvent.Trade(symbol, 150_500_000, events.Count + 1, 100_000, 100, 1, 2, 'S', 'F'));
            map[symbol] = [.. events];
        }
        return new InMemoryDay(new DateOnly(2024, 3, 4), map);
    }

    // The inputs after the day start, minute by minute: the minute's events in input order, and its clock's time.
    private static IEnumerable<(List<TickEvent> Events, int Clock)> Minutes(List<(MarketInputKind Kind, int Time, SymbolCode[] Symbols, TickEvent[] Events)> inputs)
    {
        var events = new List<TickEvent>();
        foreach (var input in inputs.Skip(1))
        {
            if (input.Kind == MarketInputKind.Ticks) { events.AddRange(input.Events); continue; }
            yield return (events, input.Time);
            events = [];
        }
    }

    internal static List<(MarketInputKind Kind, int Time, SymbolCode[] Symbols, TickEvent[] Events)> Read(StoreEventSource source)
    {
        var inputs = new List<(MarketInputKind, int, SymbolCode[], TickEvent[])>();
        var reader = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        while (reader.MoveNextAsync().AsTask().GetAwaiter().GetResult())
        {
            var input = reader.Current;
            inputs.Add((input.Kind, input.Time, input.Kind == MarketInputKind.DayStart ? input.Symbols : [], input.Kind == MarketInputKind.Ticks ? input.Events.ToArray() : []));
            input.Release(); // copied: the array may serve the next batch
        }
        return inputs;
    }
}
