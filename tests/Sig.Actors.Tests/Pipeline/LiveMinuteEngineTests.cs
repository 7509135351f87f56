using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Output;
using Sig.Engine.Time;
using Sig.Gpu.Cpu;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

public class LiveMinuteEngineTests
{
    private static string ReplayDigest(IDayEvents day)
    {
        using var backend = new CpuComputeBackend(1);
        var digest = new OutputDigest();
        new CrossSectionReplay(new BigOrderOptions(), backend, 1).RunDay(day, s => digest.AddSnapshot(s));
        return digest.Hex;
    }

    /// <summary>All symbols' events in exchange-time order (each symbol in seq order).</summary>
    private static List<TickEvent> Interleaved(IDayEvents day)
    {
        var all = new List<TickEvent>();
        for (int i = 0; i < day.SymbolCount; i++)
        {
            var events = new TickEvent[day.EventCount(i)];
            day.ReadEvents(i, 0, events);
            all.AddRange(events);
        }
        return all.OrderBy(e => e.Time).ThenBy(e => e.Symbol).ThenBy(e => e.Seq).ToList();
    }

    /// <summary>Feeds a day as a live source would: random-sized single-symbol batches, a clock before each batch, the final close.</summary>
    private static void Feed(JournaledLiveRun run, IDayEvents day, IReadOnlyList<SymbolCode> universe, int seed, List<FactorSnapshot> snaps)
    {
        var rng = new Random(seed);
        var events = Interleaved(day);
        run.BeginDay(day.Date, universe);
        for (int k = 0; k < events.Count;)
        {
            int end = k + 1, max = rng.Next(1, 20);
            while (end < events.Count && end - k < max && events[end].Symbol == events[k].Symbol) end++;
            run.Clock(events[k].Time, snaps.Add);
            run.Apply(events.GetRange(k, end - k).ToArray());
            k = end;
        }
        run.Clock(SessionBars.CloseTimeOf(SessionBars.BarsPerDay), snaps.Add);
    }

    [Fact]
    public void Live_snapshots_equal_replay_and_the_journal_replays_to_the_same_digest()
    {
        var day = InMemoryDay.Random(10, 42, eventsPerSymbol: 400);
        string dir = Directory.CreateTempSubdirectory("live-journal-").FullName;
        try
        {
            using var backend = new CpuComputeBackend(1);
            var cross = new MinuteCrossSection(new BigOrderOptions(), backend);
            var snaps = new List<FactorSnapshot>();
            JournaledLiveRun live;
            using (var journal = JournalWriter.Open(dir, new JournalOptions()))
            {
                live = new JournaledLiveRun(cross, journal);
                Feed(live, day, Enumerable.Range(0, day.SymbolCount).Select(day.Symbol).ToList(), seed: 7, snaps);
            }
            Assert.Equal(240, snaps.Count);
            Assert.True(live.Engine.DayClosed);
            Assert.Equal(0, live.Engine.LateEvents);
            Assert.Equal(ReplayDigest(day), live.Digest.Hex);

            var replayed = JournaledLiveRun.ReplayJournal(dir, cross);
            Assert.Equal(live.Digest.Hex, replayed.Digest.Hex);
            Assert.Equal(live.Engine.EventsApplied, replayed.Engine.EventsApplied);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Generated_store_day_fed_live_over_the_reference_universe_matches_store_replay()
    {
        string root = Directory.CreateTempSubdirectory("live-store-").FullName;
        try
        {
            string storeDir = Path.Combine(root, "store"), journalDir = Path.Combine(root, "journal");
            using (var sink = new TickStoreWriter(storeDir))
                new MarketGenerator(new GeneratorSettings { Stocks = 8, Days = 1, EventsPerStockDay = 1500, Seed = 11 }).Generate(sink);
            var store = TickStore.Open(storeDir);
            using var day = store.OpenDay(store.Dates[0]);
            using var backend = new CpuComputeBackend(1);
            var cross = new MinuteCrossSection(new BigOrderOptions(), backend);
            var snaps = new List<FactorSnapshot>();
            JournaledLiveRun live;
            using (var journal = JournalWriter.Open(journalDir, new JournalOptions()))
            {
                live = new JournaledLiveRun(cross, journal);
                Feed(live, day, day.References.Select(r => r.Symbol).ToList(), seed: 3, snaps);
            }
            Assert.Equal(240, snaps.Count);
            Assert.Equal(day.TotalEvents, live.Engine.EventsApplied);
            Assert.Equal(ReplayDigest(day), live.Digest.Hex);
            Assert.Equal(live.Digest.Hex, JournaledLiveRun.ReplayJournal(journalDir, cross).Digest.Hex);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void A_late_event_is_counted_not_applied_and_the_journal_still_verifies()
    {
        var day = InMemoryDay.Random(4, 5, eventsPerSymbol: 300);
        string dir = Directory.CreateTempSubdirectory("live-late-").FullName;
        try
        {
            using var backend = new CpuComputeBackend(1);
            var cross = new MinuteCrossSection(new BigOrderOptions(), backend);
            var sym = day.Symbol(0);
            var universe = Enumerable.Range(0, day.SymbolCount).Select(day.Symbol).ToList();
            var late = TickEvent.Trade(sym, 93005000, seq: 1_000_000, price: 100_000, volume: 100_000, buyOrderId: 1, sellOrderId: 2, side: 'B', execType: 'F');
            string withLate, without;
            using (var journal = JournalWriter.Open(dir, new JournalOptions()))
            {
                var run = new JournaledLiveRun(cross, journal);
                run.BeginDay(day.Date, universe);
                run.Clock(SessionBars.CloseTimeOf(1), _ => { });
                Assert.Equal(0, run.Apply([late]));
                run.Clock(SessionBars.CloseTimeOf(SessionBars.BarsPerDay), _ => { });
                Assert.Equal(1, run.Engine.LateEvents);
                Assert.Equal(0, run.Engine.EventsApplied);
                withLate = run.Digest.Hex;
            }
            var clean = new JournaledLiveRun(cross, journal: null);
            clean.BeginDay(day.Date, universe);
            clean.Clock(SessionBars.CloseTimeOf(SessionBars.BarsPerDay), _ => { });
            without = clean.Digest.Hex;
            Assert.Equal(without, withLate);

            var replayed = JournaledLiveRun.ReplayJournal(dir, cross);
            Assert.Equal(withLate, replayed.Digest.Hex);
            Assert.Equal(1, replayed.Engine.LateEvents);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Tick_and_clock_records_round_trip()
    {
        var date = new DateOnly(2024, 5, 6);
        var e = TickEvent.Order(SymbolCode.FromParts(600000, "SH"), 93000123, 9, 77, 'S', 101_000, 300, 'L');
        var (d, events) = MarketJournalCodec.DecodeTicks(MarketJournalCodec.EncodeTicks(date, [e, e]));
        Assert.Equal(date, d);
        Assert.Equal([e, e], events);
        Assert.Equal((date, 150000001), MarketJournalCodec.DecodeClock(MarketJournalCodec.EncodeClock(date, 150000001)));
        var syms = new[] { SymbolCode.FromParts(1, "SZ"), SymbolCode.FromParts(600000, "SH") };
        var (refDate, refSyms) = MarketJournalCodec.DecodeReference(MarketJournalCodec.EncodeReference(date, syms));
        Assert.Equal(date, refDate);
        Assert.Equal(syms, refSyms);
    }
}
