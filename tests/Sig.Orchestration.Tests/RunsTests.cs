using Sig.Engine.Config;
using Sig.Factors.Output;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Orchestration.Tests;

/// <summary>A small generated market (2 days × 10 stocks) for the run tests.</summary>
public sealed class SmallStoreFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sig-orchestration-").FullName;
    public TickStore Ticks { get; }

    public SmallStoreFixture()
    {
        string store = Path.Combine(Root, "store");
        using (var sink = new TickStoreWriter(store))
            new MarketGenerator(new GeneratorSettings { Stocks = 10, Days = 2, EventsPerStockDay = 1200, Seed = 11 }).Generate(sink);
        Ticks = TickStore.Open(store);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

/// <summary>
/// The runs called as a library: `factors` (a source cut at a minute) and `replay` (the whole day into
/// the feature store) are two ways to the same cross-section, so each checks the other.
/// </summary>
public sealed class RunsTests(SmallStoreFixture market) : IClassFixture<SmallStoreFixture>
{
    private static void AssertSameRows(FactorSnapshot expected, FactorSnapshot actual)
    {
        Assert.Equal(expected.Date, actual.Date);
        Assert.Equal(expected.Minute, actual.Minute);
        Assert.Equal(expected.Symbols, actual.Symbols);
        for (int i = 0; i < expected.Symbols.Length; i++)
        {
            var e = expected.Row(i).ToArray();
            var a = actual.Row(i).ToArray();
            for (int f = 0; f < e.Length; f++)
                Assert.True(BitConverter.DoubleToInt64Bits(e[f]) == BitConverter.DoubleToInt64Bits(a[f]), $"{expected.Symbols[i]} factor {f}: {e[f]:R} vs {a[f]:R}");
        }
    }

    [Theory]
    [InlineData(240)]
    [InlineData(97)]
    public void Factors_as_of_a_minute_equal_the_replays_cross_section_of_that_minute(int minute)
    {
        var date = market.Ticks.Dates[^1];
        FactorSnapshot? seen = null;
        var (manifest, lastDaily) = ReplayRun.Run(market.Ticks, [date], new EngineConfig(), 2, Path.Combine(market.Root, $"replay-{minute}.db"),
            onOutput: o => { if (o.Snapshot.Minute == minute) seen = o.Snapshot.Copy(); }); // the replay reuses a minute's rows once published
        Assert.Equal(date.ToString("yyyy-MM-dd"), manifest.From);
        Assert.True(manifest.Events > 0);
        Assert.NotNull(seen);
        Assert.NotEmpty(seen!.Symbols);
        if (minute == 240) AssertSameRows(lastDaily!, seen);

        var (snapshot, pipeline) = FactorsRun.AsOf(new EngineConfig(), market.Ticks, date, minute);
        AssertSameRows(seen, snapshot);
        Assert.True(pipeline.Last!.Counters.EventsApplied <= manifest.Events);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(241)]
    public void Factors_refuse_a_minute_outside_the_session(int minute)
    {
        var e = Assert.Throws<ArgumentException>(() => FactorsRun.AsOf(new EngineConfig(), market.Ticks, market.Ticks.Dates[0], minute));
        Assert.Contains("1..240", e.Message);
    }

    [Fact]
    public void Replay_of_a_journal_without_a_live_manifest_is_a_clear_error()
    {
        string dir = Directory.CreateDirectory(Path.Combine(market.Root, "no-journal")).FullName;
        var e = Assert.Throws<FileNotFoundException>(() => VerifyReplayRun.Run(new EngineConfig(), dir, null));
        Assert.Contains(dir, e.Message);
    }

    [Fact]
    public void Dates_outside_the_store_are_refused_with_the_range()
    {
        var e = Assert.Throws<ArgumentException>(() => StoreReplay.Dates(market.Ticks, new DateOnly(1990, 1, 1), new DateOnly(1990, 1, 31)));
        Assert.Contains("1990-01-01", e.Message);
    }
}
