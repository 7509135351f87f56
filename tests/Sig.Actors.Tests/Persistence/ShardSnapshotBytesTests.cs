using System.Security.Cryptography;
using Sig.Actors.Persistence;
using Sig.Actors.Pipeline;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Cpu;
using Sig.Replay.Generator;
using Xunit;

namespace Sig.Actors.Tests.Persistence;

/// <summary>
/// The persisted shard snapshot format is pinned: every shard snapshot of every cut of real
/// states — a generated market day (dense order ids) and a random day with hashed order ids,
/// sparse and suspended (empty) symbols, both big-order sizings, several shard layouts — hashes
/// to the value the byte-by-byte <c>BinaryWriter</c> encoder produced before the span writer
/// replaced it (the hashes below were taken from that encoder). A snapshot decoded and encoded
/// again gives its own bytes back.
/// </summary>
public class ShardSnapshotBytesTests
{
    private const string Journal = "fedcba9876543210";

    /// <summary>An in-memory sink for the market generator: every day's events by symbol.</summary>
    private sealed class DaysInMemory : IMarketDataSink
    {
        public List<InMemoryDay> Days { get; } = [];

        public IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references) => new Writer(this, date);
        public void Dispose() { }

        private sealed class Writer(DaysInMemory owner, DateOnly date) : IDayWriter
        {
            private readonly SortedDictionary<SymbolCode, TickEvent[]> _events = [];
            public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events) => _events[symbol] = events.ToArray();
            public void Commit() => owner.Days.Add(new InMemoryDay(date, _events));
            public void Dispose() { }
        }
    }

    private static InMemoryDay GeneratedDay()
    {
        using var sink = new DaysInMemory();
        new MarketGenerator(new GeneratorSettings { Stocks = 12, Days = 1, EventsPerStockDay = 3000, Seed = 7 }).Generate(sink);
        return Assert.Single(sink.Days);
    }

    /// <summary>23 random symbols (every ninth suspended, every fourth sparse in time); every fifth has order ids 100,003 apart (hashed index).</summary>
    private static InMemoryDay HashedDay()
    {
        var random = InMemoryDay.Random(23, 301, eventsPerSymbol: 500);
        var map = new SortedDictionary<SymbolCode, TickEvent[]>();
        for (int i = 0; i < random.SymbolCount; i++)
        {
            var events = new TickEvent[random.EventCount(i)];
            random.ReadEvents(i, 0, events);
            if (i % 5 == 2)
                for (int k = 0; k < events.Length; k++) { events[k].BuyOrderId *= 100_003; events[k].SellOrderId *= 100_003; }
            map[random.Symbol(i)] = events;
        }
        return new InMemoryDay(random.Date, map);
    }

    /// <summary>Every shard snapshot of every cut of one run, by persistence id then cut.</summary>
    private static List<(string Id, long Seq, byte[] Bytes)> Snapshots(InMemoryDay day, int shards, BigOrderSizing sizing, int everyMinutes)
    {
        var store = new MemorySnapshotStore(keepAll: true);
        using var backend = new CpuComputeBackend(1);
        var pipeline = new MarketPipeline(new BigOrderOptions { ClassifyBy = sizing }, backend, shards,
            persistence: new PipelinePersistenceOptions(store, Journal, everyMinutes, _ => { }));
        var inputs = PipelineKit.LiveInputs(day, Enumerable.Range(0, day.SymbolCount).Select(day.Symbol), 5);
        pipeline.RunAsync(new ListSource(inputs)).GetAwaiter().GetResult();
        var all = new List<(string, long, byte[])>();
        for (int s = 0; s < shards; s++)
        {
            string id = $"{Journal}/shard-{s}-of-{shards}";
            foreach (var (seq, bytes) in store.Of(id)) all.Add((id, seq, bytes));
        }
        Assert.Equal(240 / everyMinutes * shards, all.Count);
        return all;
    }

    private static string Hash(List<(string Id, long Seq, byte[] Bytes)> snapshots)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (id, seq, bytes) in snapshots)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{id}:{seq}:{bytes.Length}\n"));
            sha.AppendData(bytes);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    [Theory]
    [InlineData("generated", 2, BigOrderSizing.Filled, 7, "782224940008a36e1a89aca63c016a57ba13e723a833046cafc2ab7d6e991e76")]
    [InlineData("generated", 3, BigOrderSizing.Submitted, 30, "ef4e4bea27b2460839a685bb3c16e733dc56c5b932a0befec0f8bb9033181cbc")]
    [InlineData("hashed", 1, BigOrderSizing.Filled, 11, "770087ff25ccee5fc09f1537dc5755f483abe213fb945cc62c8ad074b4120182")]
    [InlineData("hashed", 4, BigOrderSizing.Submitted, 20, "3494f7014751d3cbe1f6c702932161b64c2e2b96ec6bede4c6d362ad17f1245c")]
    public void Shard_snapshots_keep_their_bytes_and_decode_to_an_equal_state(string day, int shards, BigOrderSizing sizing, int everyMinutes, string expectedHash)
    {
        var snapshots = Snapshots(day == "generated" ? GeneratedDay() : HashedDay(), shards, sizing, everyMinutes);
        Assert.Equal(expectedHash, Hash(snapshots));

        using var backend = new CpuComputeBackend(1);
        foreach (var (id, _, bytes) in snapshots)
        {
            int shard = int.Parse(id.Split('/')[1].Split('-')[1]);
            var crossSection = new MinuteCrossSection(new BigOrderOptions { ClassifyBy = sizing }, backend);
            var (engine, rejected) = ShardSnapshotCodec.Decode(bytes, shard, shards, crossSection);
            Assert.Equal(bytes, ShardSnapshotCodec.Encode(shard, shards, engine, rejected));
        }
    }
}
