using BenchmarkDotNet.Attributes;
using Sig.Actors.Sources;
using Sig.Engine.Events;
using Sig.Replay.Store;

namespace Sig.Benchmarks;

/// <summary>
/// The replay's source: one stored day read into its minute batches by <see cref="StoreEventSource"/>
/// (each batch released at once, so the pool serves every batch from one array), at the two market
/// shapes of docs/factor-core-rounds.md — 500 symbols × 20,000 events (long runs per symbol-minute) and
/// 5,000 × 2,000 (about 8.6 events per symbol-minute) — with read-ahead slots of 64 rows (the previous
/// default) and of the default <see cref="StoreEventSource.ReadAheadEvents"/>; each slot refill is nine
/// positioned reads, so a 1-row slot (no read-ahead) would be nine syscalls an event and is not run.
/// One operation is the whole day (about 10 M events): divide by <see cref="Events"/> for a per-event
/// figure. The day is written once to a temp store (about 470 MB) and opened by each operation (block
/// checksums, positioned reads), as the replay does.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThreadCpuTimeConfig))]
public class StoreSourceBenchmarks
{
    private static readonly DateOnly Date = new(2024, 1, 2);
    private string _dir = "";
    private TickStore _store = null!;

    /// <summary>Symbols × events per symbol-day.</summary>
    [Params("500x20000", "5000x2000")]
    public string Shape { get; set; } = "";

    /// <summary>Rows read ahead per symbol.</summary>
    [Params(64, StoreEventSource.ReadAheadEvents)]
    public int ReadAhead { get; set; }

    /// <summary>Events in the day (set up once per shape).</summary>
    public long Events { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split('x');
        int symbols = int.Parse(parts[0]), perSymbol = int.Parse(parts[1]);
        _dir = Directory.CreateTempSubdirectory("sig-bench-store-").FullName;
        using (var writer = new TickStoreWriter(_dir))
        {
            using var day = writer.BeginDay(Date, ReferenceSchema.Default, []);
            for (int i = 0; i < symbols; i++)
            {
                var symbol = SymbolCode.FromParts(i + 1, "SZ");
                var events = SyntheticDay.Make(i + 1, perSymbol, orders: Math.Max(16, perSymbol / 5));
                for (int k = 0; k < events.Length; k++) events[k].Symbol = symbol.Value;
                day.WriteSymbol(symbol, events);
                Events += events.Length;
            }
            day.Commit();
        }
        _store = TickStore.Open(_dir);
        Console.WriteLine($"// {Shape}: {Events:N0} events in {_dir}");
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>Reads the day's inputs; returns the events read.</summary>
    [Benchmark]
    public long ReadDay()
    {
        var source = new StoreEventSource([Date], _store.OpenDay, readAheadEvents: ReadAhead);
        var reader = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        long events = 0;
        while (reader.MoveNextAsync().AsTask().GetAwaiter().GetResult())
        {
            var input = reader.Current;
            events += input.EventCount;
            input.Release();
        }
        reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return events;
    }
}
