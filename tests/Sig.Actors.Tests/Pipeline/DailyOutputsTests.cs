using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>`--outputs daily`: every event applied, only the close evaluated, rows equal to a full run's close.</summary>
public class DailyOutputsTests
{
    internal static List<MinuteOutput> Run(InMemoryDay[] days, int shards, PipelineOutputs outputs, StoreReadOrder order = StoreReadOrder.ByMinute,
        Sig.Factors.Compute.IComputeBackend? backend = null, Action<MarketPipeline>? after = null, int? lanes = null)
    {
        using var owned = backend is null ? new CpuComputeBackend(1) : null;
        var pipeline = new MarketPipeline(new BigOrderOptions(), backend ?? owned!, shards, outputs: outputs);
        var list = new List<MinuteOutput>();
        pipeline.Outputs.Subscribe(list.Add);
        var byDate = days.ToDictionary(d => d.Date);
        pipeline.RunAsync(new StoreEventSource([.. days.Select(d => d.Date)], d => byDate[d], lanes: lanes ?? shards, order: order)).GetAwaiter().GetResult();
        after?.Invoke(pipeline);
        return list;
    }

    private static void AssertSameClose(MinuteOutput expected, MinuteOutput actual)
    {
        Assert.True(actual.IsClose);
        Assert.Equal(expected.Snapshot.Date, actual.Snapshot.Date);
        Assert.Equal(expected.Snapshot.Symbols, actual.Snapshot.Symbols);
        Assert.Equal(expected.Snapshot.LastSeq, actual.Snapshot.LastSeq);
        Assert.Equal(expected.DailyPayload!.ToArray(), actual.DailyPayload!.ToArray());
        Assert.Equal(
            expected.Snapshot.Values.Select(BitConverter.DoubleToInt64Bits),
            actual.Snapshot.Values.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expected.Counters, actual.Counters);
    }

    // A day where some symbols' stored times go back across minute boundaries (events a minute-by-minute
    // replay finds late, since their bar closed before they come) and one symbol runs past the close.
    internal static InMemoryDay WithLateEvents(InMemoryDay day)
    {
        var map = new SortedDictionary<Sig.Engine.Events.SymbolCode, Sig.Engine.Events.TickEvent[]>();
        for (int i = 0; i < day.SymbolCount; i++)
        {
            var events = new Sig.Engine.Events.TickEvent[day.EventCount(i)];
            day.ReadEvents(i, 0, events);
            if (i % 3 == 0)
                for (int k = 40; k < events.Length; k += 37)
                    events[k].Time = events[k - 35].Time; // earlier: late when that bar has closed by then
            if (i == 1 && events.Length > 0) events[^1].Time = 150500000; // after the close: the close's bar
            map[day.Symbol(i)] = events;
        }
        return new InMemoryDay(day.Date, map);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Daily_rows_are_bit_identical_to_the_minute_240_rows_of_a_full_run(int shards)
    {
        var days = new[] { InMemoryDay.Random(9, 31, eventsPerSymbol: 500), InMemoryDay.Random(9, 32, eventsPerSymbol: 400, dayOffset: 1) };
        var full = Run(days, shards, PipelineOutputs.All);
        var daily = Run(days, shards, PipelineOutputs.Daily);
        Assert.Equal(2 * 240, full.Count);
        Assert.Equal(2, daily.Count);
        var closes = full.Where(o => o.IsClose).ToList();
        for (int d = 0; d < 2; d++)
        {
            Assert.True(daily[d].IsClose);
            Assert.Equal(closes[d].Snapshot.Date, daily[d].Snapshot.Date);
            Assert.Equal(closes[d].Snapshot.Symbols, daily[d].Snapshot.Symbols);
            Assert.Equal(closes[d].Snapshot.LastSeq, daily[d].Snapshot.LastSeq);
            Assert.Equal(closes[d].DailyPayload!.ToArray(), daily[d].DailyPayload!.ToArray());
            Assert.Equal(
                closes[d].Snapshot.Values.Select(BitConverter.DoubleToInt64Bits),
                daily[d].Snapshot.Values.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(closes[d].Counters, daily[d].Counters);
        }
        // The daily digest covers the daily outputs only, so it differs from the full run's, and not with the shard count.
        Assert.NotEqual(full[^1].Digest, daily[^1].Digest);
        Assert.Equal(Run(days, 2, PipelineOutputs.Daily)[^1].Digest, daily[^1].Digest);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_store_read_symbol_by_symbol_gives_the_minute_by_minute_close_late_events_and_digest(int shards)
    {
        var days = new[]
        {
            WithLateEvents(InMemoryDay.Random(11, 41, eventsPerSymbol: 600)),
            InMemoryDay.Random(7, 42, eventsPerSymbol: 300, dayOffset: 1),
        };
        var byMinute = Run(days, shards, PipelineOutputs.Daily);
        var bySymbol = Run(days, shards, PipelineOutputs.Daily, StoreReadOrder.BySymbol);
        Assert.Equal(2, bySymbol.Count);
        Assert.True(byMinute[0].Counters.LateEvents > 0, "the day must have late events to compare");
        for (int d = 0; d < 2; d++) AssertSameClose(byMinute[d], bySymbol[d]);
        Assert.Equal(byMinute[^1].Digest, bySymbol[^1].Digest);
        // And both equal a full run's close.
        AssertSameClose(Run(days, shards, PipelineOutputs.All).Where(o => o.IsClose).First(), bySymbol[0]);
    }

    [Fact]
    public void A_shard_that_fails_while_symbols_complete_restarts_and_gives_the_same_close()
    {
        var days = new[] { WithLateEvents(InMemoryDay.Random(11, 43, eventsPerSymbol: 600)), InMemoryDay.Random(7, 44, eventsPerSymbol: 300, dayOffset: 1) };
        var expected = Run(days, 2, PipelineOutputs.Daily);
        // The 4th and 12th completions fail: the shard is restored from its day start's snapshot and replays the day's batches.
        using var flaky = new FlakyBackend(new CpuComputeBackend(1), (call, minute) => minute == 0 && call is 4 or 12);
        long restarts = 0;
        var got = Run(days, 2, PipelineOutputs.Daily, StoreReadOrder.BySymbol, flaky, p => restarts = p.Actors.Restarts);
        Assert.Equal(2, flaky.Failures);
        Assert.Equal(2, restarts);
        for (int d = 0; d < 2; d++) AssertSameClose(expected[d], got[d]);
        Assert.Equal(expected[^1].Digest, got[^1].Digest);
    }

    [Fact]
    public void A_day_read_symbol_by_symbol_is_refused_every_minute_by_a_backend_that_cannot_record_minutes()
    {
        using var backend = new NonRecordingBackend();
        var engine = new ShardMinuteEngine(new MinuteCrossSection(new BigOrderOptions(), backend, PipelineOutputs.All));
        var day = InMemoryDay.Random(2, 5, eventsPerSymbol: 10);
        Assert.Throws<InvalidOperationException>(() => engine.BeginDay(day.Date, [day.Symbol(0), day.Symbol(1)], bySymbolCounts: [day.EventCount(0), day.EventCount(1)]));
        // Daily outputs need no recording.
        new ShardMinuteEngine(new MinuteCrossSection(new BigOrderOptions(), backend, PipelineOutputs.Daily))
            .BeginDay(day.Date, [day.Symbol(0), day.Symbol(1)], bySymbolCounts: [day.EventCount(0), day.EventCount(1)]);
    }

    [Fact]
    public void A_by_symbol_day_counts_unknown_symbols_and_refuses_more_events_than_its_day_start_said()
    {
        using var backend = new CpuComputeBackend(1);
        var engine = new ShardMinuteEngine(new MinuteCrossSection(new BigOrderOptions(), backend, PipelineOutputs.Daily));
        var day = InMemoryDay.Random(3, 6, eventsPerSymbol: 40);
        int n0 = day.EventCount(0), n2 = day.EventCount(2);
        engine.BeginDay(day.Date, [day.Symbol(0), day.Symbol(2)], bySymbolCounts: [n0, n2]);
        var first = new TickEvent[n0];
        day.ReadEvents(0, 0, first);
        var stranger = new TickEvent[3];
        day.ReadEvents(1, 0, stranger); // symbol 1 is not in this shard's day
        // Symbol 0 whole, three events of an unknown symbol, then symbol 2's first half: one batch, three runs.
        var half = new TickEvent[n2 / 2];
        day.ReadEvents(2, 0, half);
        Assert.Equal(n0 + half.Length, engine.Apply([.. first, .. stranger, .. half]));
        Assert.Equal(3, engine.UnknownSymbolEvents);
        // One event more than symbol 0's count: refused, naming the symbol.
        var ex = Assert.Throws<InvalidOperationException>(() => { engine.Apply([first[^1]]); });
        Assert.Contains(day.Symbol(0).ToString(), ex.Message);
    }

    /// <summary>The CPU backend without the minute recording (as a device backend that has none).</summary>
    internal sealed class NonRecordingBackend : Sig.Factors.Compute.IComputeBackend
    {
        private readonly CpuComputeBackend _inner = new(1);
        public string Name => "cpu";
        public int VectorWidth => _inner.VectorWidth;
        public Sig.Factors.Compute.IShardFactorState CreateShard(Sig.Factors.Compute.FactorSettings settings, BigOrderSizing sizing) => new Shard(_inner.CreateShard(settings, sizing));
        public void Dispose() => _inner.Dispose();

        private sealed class Shard(Sig.Factors.Compute.IShardFactorState inner) : Sig.Factors.Compute.IShardFactorState
        {
            public int SymbolCount => inner.SymbolCount;
            public void BeginDay(ReadOnlySpan<Sig.Engine.Events.SymbolCode> symbols) => inner.BeginDay(symbols);
            public void Apply(ReadOnlySpan<Sig.Engine.Events.TickEvent> events, ReadOnlySpan<int> symbols) => inner.Apply(events, symbols);
            public int Evaluate(int minute, Span<double> rows, Span<int> changed) => inner.Evaluate(minute, rows, changed);
            public long LastSeq(int symbol) => inner.LastSeq(symbol);
            public Sig.Factors.Daily.RawDailyBar? DailyBar(int symbol) => inner.DailyBar(symbol);
            public Sig.Factors.Compute.IShardFactorState Copy(Sig.Factors.Compute.IShardFactorState? into = null) => new Shard(inner.Copy((into as Shard)?._inner));
            private Sig.Factors.Compute.IShardFactorState _inner => inner;
        }
    }
}
