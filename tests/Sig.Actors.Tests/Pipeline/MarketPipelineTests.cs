using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Sig.Factors.Tests.Cpu;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

public class MarketPipelineTests
{
    [Fact]
    public void Shard_count_never_changes_the_bytes()
    {
        var day = InMemoryDay.Random(70, 100);
        var (one, outOne) = PipelineKit.Run(PipelineKit.Store(day), shards: 1);
        var (two, _) = PipelineKit.Run(PipelineKit.Store(day), shards: 2);
        var (five, _) = PipelineKit.Run(PipelineKit.Store(day), shards: 5);
        Assert.Equal(240, outOne.Count);
        Assert.Equal(Enumerable.Range(1, 240), outOne.Select(o => o.Snapshot.Minute));
        Assert.Equal(one.DigestHex, two.DigestHex);
        Assert.Equal(one.DigestHex, five.DigestHex);
        Assert.Equal(Enumerable.Range(0, day.SymbolCount).Select(day.Symbol), outOne[0].Snapshot.Symbols);
    }

    [Fact]
    public void Every_row_equals_the_symbol_recomputed_alone_at_that_minute()
    {
        var day = InMemoryDay.Random(12, 300, eventsPerSymbol: 300);
        var (_, outputs) = PipelineKit.Run(PipelineKit.Store(day), shards: 3);
        var rng = new Random(1);
        for (int t = 0; t < 12; t++)
        {
            int i = rng.Next(day.SymbolCount), m = rng.Next(1, 241);
            var events = new TickEvent[day.EventCount(i)];
            day.ReadEvents(i, 0, events);
            FactorTestKit.AssertBitIdentical(FactorTestKit.FromScratch(events, m), outputs[m - 1].Snapshot.Row(i).ToArray(), $"symbol {i} minute {m}");
        }
        Assert.All(outputs[239].Snapshot.Row(8).ToArray(), x => Assert.True(double.IsNaN(x))); // suspended: all NaN
    }

    [Fact]
    public void The_digest_chains_every_minute_as_a_standalone_digest_does()
    {
        var day = InMemoryDay.Random(9, 5, eventsPerSymbol: 200);
        var (pipeline, outputs) = PipelineKit.Run(PipelineKit.Store(day));
        var digest = new OutputDigest();
        foreach (var o in outputs)
        {
            digest.AddSnapshot(o.Snapshot);
            Assert.Equal(digest.Hex, o.Digest);
        }
        Assert.Equal(digest.Hex, pipeline.DigestHex);
        Assert.Equal(day.TotalEventCount(), outputs[^1].Counters.EventsApplied);
    }

    [Fact]
    public void Live_batches_give_the_replay_digest_and_the_journal_replays_to_it()
    {
        var day = InMemoryDay.Random(10, 42, eventsPerSymbol: 400);
        string replay = PipelineKit.Run(PipelineKit.Store(day)).Pipeline.DigestHex;
        var universe = Enumerable.Range(0, day.SymbolCount).Select(day.Symbol).ToList();
        foreach (int seed in new[] { 7, 8 })
        {
            var inputs = PipelineKit.LiveInputs(day, universe, seed);
            var (live, outputs) = PipelineKit.Run(new ListSource(inputs), shards: seed - 5);
            Assert.Equal(240, outputs.Count);
            Assert.Equal(0, outputs[^1].Counters.LateEvents);
            Assert.Equal(replay, live.DigestHex);

            string dir = Directory.CreateTempSubdirectory("pipeline-journal-").FullName;
            try
            {
                PipelineKit.Journal(dir, inputs);
                var fromJournal = PipelineKit.Run(new JournalEventSource(dir), shards: 1).Pipeline;
                Assert.Equal(live.DigestHex, fromJournal.DigestHex);
            }
            finally { Directory.Delete(dir, recursive: true); }
        }
    }

    [Fact]
    public void Generated_store_day_fed_live_over_the_reference_universe_matches_store_replay()
    {
        string root = Directory.CreateTempSubdirectory("pipeline-store-").FullName;
        try
        {
            using (var sink = new TickStoreWriter(root))
                new MarketGenerator(new GeneratorSettings { Stocks = 8, Days = 1, EventsPerStockDay = 1500, Seed = 11 }).Generate(sink);
            var store = TickStore.Open(root);
            using var day = store.OpenDay(store.Dates[0]);
            var replay = PipelineKit.Run(new StoreEventSource([day.Date], store.OpenDay)).Pipeline;
            var (live, outputs) = PipelineKit.Run(new ListSource(PipelineKit.LiveInputs(day, day.References.Select(r => r.Symbol), seed: 3)));
            Assert.Equal(day.TotalEvents, outputs[^1].Counters.EventsApplied);
            Assert.Equal(replay.DigestHex, live.DigestHex);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void A_late_event_is_counted_not_applied_and_the_journal_still_verifies()
    {
        var day = InMemoryDay.Random(4, 5, eventsPerSymbol: 300);
        var universe = Enumerable.Range(0, day.SymbolCount).Select(day.Symbol).ToList();
        var late = TickEvent.Trade(day.Symbol(0), 93005000, seq: 1_000_000, price: 100_000, volume: 100_000, buyOrderId: 1, sellOrderId: 2, side: 'B', execType: 'F');
        MarketInput[] withLate =
        [
            MarketInput.DayStart(day.Date, universe), MarketInput.Clock(day.Date, SessionBars.CloseTimeOf(1)),
            MarketInput.Ticks(day.Date, [late]), MarketInput.Clock(day.Date, SessionBars.CloseTimeOf(240)),
        ];
        var (a, outA) = PipelineKit.Run(new ListSource(withLate));
        var (b, _) = PipelineKit.Run(new ListSource([withLate[0], withLate[1], withLate[3]]));
        Assert.Equal(1, outA[^1].Counters.LateEvents);
        Assert.Equal(0, outA[^1].Counters.EventsApplied);
        Assert.Equal(b.DigestHex, a.DigestHex);
        string dir = Directory.CreateTempSubdirectory("pipeline-late-").FullName;
        try
        {
            PipelineKit.Journal(dir, withLate);
            var (j, outJ) = PipelineKit.Run(new JournalEventSource(dir));
            Assert.Equal(a.DigestHex, j.DigestHex);
            Assert.Equal(1, outJ[^1].Counters.LateEvents);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_shard_that_throws_is_restarted_from_its_snapshot_and_the_bytes_do_not_change()
    {
        var day = InMemoryDay.Random(20, 9, eventsPerSymbol: 300);
        string clean = PipelineKit.Run(PipelineKit.Store(day), shards: 2).Pipeline.DigestHex;
        // Fails the first computation of minutes 45 and 200 (mid-interval between snapshots at 30, 60, …).
        // Both shards compute each minute at once: the set is locked so exactly one of them fails.
        var failed = new HashSet<int>();
        using var flaky = new FlakyBackend(new CpuComputeBackend(1), (_, minute) => { lock (failed) return minute is 45 or 200 && failed.Add(minute); });
        var (pipeline, outputs) = PipelineKit.Run(PipelineKit.Store(day), shards: 2, backend: flaky, actors: new ActorOptions { SnapshotEveryMinutes = 30 });
        Assert.Equal(2, flaky.Failures);
        Assert.Equal(2, pipeline.Actors.Restarts);
        Assert.Equal(240, outputs.Count);
        Assert.Equal(clean, pipeline.DigestHex);
    }

    [Fact]
    public void Unknown_symbols_and_rejected_rows_are_counted_and_change_nothing()
    {
        var day = InMemoryDay.Random(3, 77, eventsPerSymbol: 200);
        var universe = Enumerable.Range(0, day.SymbolCount).Select(day.Symbol).ToList();
        var inputs = PipelineKit.LiveInputs(day, universe, 1);
        var stranger = TickEvent.Trade(SymbolCode.FromParts(1, "SZ"), 100000000, 5, 100_000, 100, 1, 2, 'B', 'F');
        var noisy = new List<MarketInput>(inputs);
        noisy.Insert(2, MarketInput.Ticks(day.Date, [stranger]));
        noisy.Insert(3, MarketInput.Rejected(day.Date, new MarketReject("sig.md.trade.X", 1, "wrong column count")));
        var (a, outA) = PipelineKit.Run(new ListSource(noisy), shards: 2);
        var (b, _) = PipelineKit.Run(new ListSource(inputs), shards: 2);
        Assert.Equal(b.DigestHex, a.DigestHex);
        Assert.Equal(1, outA[^1].Counters.UnknownSymbolEvents);
        Assert.Equal(1, outA[^1].Counters.RejectedRows);
    }

    [Fact]
    public void Every_input_kind_round_trips_through_the_journal_codec()
    {
        var date = new DateOnly(2024, 5, 6);
        var e = TickEvent.Order(SymbolCode.FromParts(600000, "SH"), 93000123, 9, 77, 'S', 101_000, 300, 'L');
        MarketInput[] inputs =
        [
            MarketInput.DayStart(date, [SymbolCode.FromParts(600000, "SH"), SymbolCode.FromParts(1, "SZ")], 3),
            MarketInput.Ticks(date, [e, e], 4),
            MarketInput.Clock(date, 150000001, 5),
            MarketInput.Rejected(date, new MarketReject("sig.md.order.600000_SH", 2, "bad date"), 6),
        ];
        for (int i = 0; i < inputs.Length; i++)
        {
            var back = MarketJournalCodec.Decode(new JournalRecord(i + 1, MarketJournalCodec.TypeOf(inputs[i]), MarketJournalCodec.Encode(inputs[i])));
            Assert.Equal(inputs[i].Kind, back.Kind);
            Assert.Equal(inputs[i].Date, back.Date);
            Assert.Equal(inputs[i].SourceSeq, back.SourceSeq);
            Assert.Equal(inputs[i].Symbols, back.Symbols);
            Assert.Equal(inputs[i].Events.ToArray(), back.Events.ToArray());
            Assert.Equal(inputs[i].Time, back.Time);
            Assert.Equal(inputs[i].Reject, back.Reject);
        }
        Assert.Throws<InvalidDataException>(() => MarketJournalCodec.Decode(new JournalRecord(1, 2, new byte[13])));
    }
}
