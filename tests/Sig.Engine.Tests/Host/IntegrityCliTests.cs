using System.Buffers.Binary;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Host;
using Sig.Engine.Host.Commands;
using Sig.Engine.Time;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>
/// Commands over a damaged or doctored store: a refused command leaves no partial output, and a
/// replay counts every stored event it does not apply instead of dropping it silently.
/// </summary>
public sealed class IntegrityCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("engine-integrity-").FullName;
    private readonly string _store;
    private readonly DateOnly _date;

    public IntegrityCliTests()
    {
        _store = Path.Combine(_root, "store");
        // Small blocks, so a command gets well into its output before it meets the last block.
        using (var sink = new SmallBlockSink(_store))
            new MarketGenerator(new GeneratorSettings { Stocks = 6, Days = 1, EventsPerStockDay = 600, Seed = 3 }).Generate(sink);
        _date = TickStore.Open(_store).Dates[0];
    }

    public void Dispose() => Directory.Delete(_root, true);

    private string DayFile => Path.Combine(_store, TickFileFormatName(_date));

    private static string TickFileFormatName(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + ".tick";

    /// <summary>Flips a byte inside the day file's last column block (read only near the end of a pass over the day).</summary>
    private void CorruptLastBlock()
    {
        byte[] b = File.ReadAllBytes(DayFile);
        long table = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(80 + 24 * 3));
        long tableLength = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(80 + 24 * 3 + 8));
        long lastBlock = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan((int)(table + tableLength - 24)));
        b[lastBlock + 3] ^= 0x40;
        File.WriteAllBytes(DayFile, b);
    }

    [Fact]
    public void Item6_a_command_refused_on_a_corrupt_block_leaves_no_partial_output()
    {
        string date = _date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        string outDir = Path.Combine(_root, "out");
        Directory.CreateDirectory(outDir);
        string bars = Path.Combine(outDir, "bars.csv"), factors = Path.Combine(outDir, "factors.csv"), db = Path.Combine(outDir, "features.db");
        string export = Path.Combine(outDir, "export");
        // Good runs first: every output exists and is complete.
        Assert.Equal(0, Cli.Run(["bars", "--store", _store, "--date", date, "--out", bars]));
        Assert.Equal(0, Cli.Run(["factors", "--store", _store, "--date", date, "--out", factors]));
        Assert.Equal(0, Cli.Run(["export", "--store", _store, "--date", date, "--out", export]));
        Assert.Equal(0, Cli.Run(["replay", "--store", _store, "--from", date, "--to", date, "--db", db]));
        var before = Snapshot(outDir);
        Assert.Equal(1 + 240 * 6, File.ReadAllLines(bars).Length); // every stock traded

        CorruptLastBlock();
        Assert.Equal(1, Cli.Run(["bars", "--store", _store, "--date", date, "--out", bars]));
        Assert.Equal(1, Cli.Run(["factors", "--store", _store, "--date", date, "--out", factors]));
        Assert.Equal(1, Cli.Run(["export", "--store", _store, "--date", date, "--out", export]));
        Assert.Equal(1, Cli.Run(["replay", "--store", _store, "--from", date, "--to", date, "--db", db]));
        // The earlier outputs are untouched, and nothing else (no temp file, no empty database) was left.
        var after = Snapshot(outDir);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (path, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[path]), $"{path} changed");

        // Into empty places, a refused command creates nothing at all.
        string fresh = Path.Combine(_root, "fresh");
        Assert.Equal(1, Cli.Run(["bars", "--store", _store, "--date", date, "--out", Path.Combine(fresh, "bars.csv")]));
        Assert.Equal(1, Cli.Run(["export", "--store", _store, "--date", date, "--out", Path.Combine(fresh, "export")]));
        Assert.Equal(1, Cli.Run(["replay", "--store", _store, "--from", date, "--to", date, "--db", Path.Combine(fresh, "f.db")]));
        Assert.Empty(Directory.Exists(fresh) ? Directory.GetFiles(fresh, "*", SearchOption.AllDirectories) : []);
    }

    private static SortedDictionary<string, byte[]> Snapshot(string dir) =>
        new(Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(p => p, File.ReadAllBytes), StringComparer.Ordinal);

    [Fact]
    public void Item4_replay_counts_a_stored_event_it_does_not_apply()
    {
        var store = TickStore.Open(_store);
        var (clean, _) = ReplayCommand.Run(store, [_date], new EngineConfig(), 1, Path.Combine(_root, "clean.db"));
        Assert.Equal((0L, 0L), (clean.LateEvents, clean.RejectedRows));

        // A store written around the importer: one symbol's last event is stamped with its first event's time
        // (seq order kept). Replay reaches it after that minute closed, so it cannot be applied.
        string doctored = Path.Combine(_root, "doctored");
        using (var day = store.OpenDay(_date))
        using (var writer = new TickStoreWriter(doctored))
        using (var w = writer.BeginDay(_date, day.Schema, day.References))
        {
            for (int i = 0; i < day.SymbolCount; i++)
            {
                var events = new TickEvent[day.EventCount(i)];
                day.ReadEvents(i, events);
                if (i == 0)
                {
                    Assert.True(SessionBars.BarOf(events[0].Time) < SessionBars.BarOf(events[^2].Time));
                    events[^1].Time = events[0].Time;
                }
                w.WriteSymbol(day.Symbol(i), events);
            }
            w.Commit();
        }
        var (manifest, _) = ReplayCommand.Run(TickStore.Open(doctored), [_date], new EngineConfig(), 1, Path.Combine(_root, "doctored.db"));
        Assert.Equal(1, manifest.LateEvents);
        Assert.Equal(clean.Events - 1, manifest.Events);
    }

    /// <summary>A tick store writer with 64-row blocks (the generator takes any sink).</summary>
    private sealed class SmallBlockSink(string dir) : IMarketDataSink
    {
        private readonly TickStoreWriter _writer = new(dir, blockRows: 64);
        public IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references) => _writer.BeginDay(date, schema, references);
        public void Dispose() => _writer.Dispose();
    }
}
