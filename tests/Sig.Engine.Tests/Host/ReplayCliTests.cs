using System.Globalization;
using Sig.Engine.Config;
using Sig.Factors;
using Sig.Engine.Host;
using Sig.Engine.Host.Commands;
using Sig.Orchestration;
using Sig.Data.Features;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>A small generated market shared by the CLI tests (3 days × 12 stocks).</summary>
public sealed class GeneratedStoreFixture : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "engine-cli-" + Guid.NewGuid().ToString("N"));
    public string Store => Path.Combine(Root, "store");
    public TickStore Ticks { get; }

    public GeneratedStoreFixture()
    {
        using (var sink = new TickStoreWriter(Store))
            new MarketGenerator(new GeneratorSettings { Stocks = 12, Days = 3, EventsPerStockDay = 1500, Seed = 5 }).Generate(sink);
        Ticks = TickStore.Open(Store);
    }

    public void Dispose() => Directory.Delete(Root, true);
}

public class ReplayCliTests(GeneratedStoreFixture market) : IClassFixture<GeneratedStoreFixture>
{
    private string Replay(int workers, string name, EngineConfig? config = null)
    {
        var db = Path.Combine(market.Root, name + ".db");
        var (manifest, _) = ReplayCommand.Run(market.Ticks, market.Ticks.Dates.ToList(), config ?? new EngineConfig(), workers, db);
        return manifest.OutputDigest;
    }

    [Fact]
    public void Replay_digest_is_identical_for_one_and_two_workers_and_across_runs()
    {
        string one = Replay(1, "w1"), two = Replay(2, "w2"), again = Replay(2, "w2b");
        Assert.Matches("^[0-9a-f]{64}$", one);
        Assert.Equal(one, two);
        Assert.Equal(two, again);
        // The feature store holds a row per symbol and day.
        using var fs = new SqliteFeatureStore(Path.Combine(market.Root, "w1.db"));
        using var day = market.Ticks.OpenDay(market.Ticks.Dates[0]);
        Assert.Equal(day.SymbolCount, fs.ReadDaily(market.Ticks.Dates[0]).Count);
    }

    [Fact]
    public void Daily_outputs_store_the_same_daily_rows_and_the_manifest_says_what_the_digest_covers()
    {
        var dates = market.Ticks.Dates.ToList();
        string allDb = Path.Combine(market.Root, "outputs-all.db"), dailyDb = Path.Combine(market.Root, "outputs-daily.db");
        var (all, _) = ReplayCommand.Run(market.Ticks, dates, new EngineConfig(), 2, allDb);
        var (daily, _) = ReplayCommand.Run(market.Ticks, dates, new EngineConfig(), 1, dailyDb, Sig.Actors.Pipeline.PipelineOutputs.Daily);
        Assert.Equal("all", all.Outputs);
        Assert.Equal("daily", daily.Outputs);
        Assert.NotEqual(all.OutputDigest, daily.OutputDigest);
        Assert.Equal(all.Events, daily.Events);
        Assert.Equal("cpu", daily.Backend);
        Assert.Equal(System.Numerics.Vector<double>.Count, daily.SimdWidth);
        // The CPU backend reads the store symbol by symbol unless told; minute by minute gives the same digests.
        Assert.Equal("symbol", daily.ReadOrder);
        Assert.Equal("symbol", all.ReadOrder);
        var (dailyByMinute, _) = ReplayCommand.Run(market.Ticks, dates, new EngineConfig(), 2, Path.Combine(market.Root, "outputs-daily-by-minute.db"),
            Sig.Actors.Pipeline.PipelineOutputs.Daily, Sig.Actors.Sources.StoreReadOrder.ByMinute);
        var (allByMinute, _) = ReplayCommand.Run(market.Ticks, dates, new EngineConfig(), 1, Path.Combine(market.Root, "outputs-all-by-minute.db"),
            Sig.Actors.Pipeline.PipelineOutputs.All, Sig.Actors.Sources.StoreReadOrder.ByMinute);
        Assert.Equal("minute", dailyByMinute.ReadOrder);
        Assert.Equal(daily.OutputDigest, dailyByMinute.OutputDigest);
        Assert.Equal(daily.Events, dailyByMinute.Events);
        Assert.Equal(all.OutputDigest, allByMinute.OutputDigest);
        Assert.Equal(all.LateEvents, allByMinute.LateEvents);
        Assert.Null(ReplayCommand.ParseReadOrder("auto"));
        // A backend that cannot record every minute reads minute by minute unless the close alone is evaluated, and refuses to be told otherwise.
        using var device = Sig.Gpu.ComputeBackendSelector.Create("ilgpu-cpu", _ => { });
        Assert.Equal(Sig.Actors.Sources.StoreReadOrder.ByMinute, ReplayRun.DefaultOrder(Sig.Actors.Pipeline.PipelineOutputs.All, device));
        Assert.Equal(Sig.Actors.Sources.StoreReadOrder.BySymbol, ReplayRun.DefaultOrder(Sig.Actors.Pipeline.PipelineOutputs.Daily, device));
        Assert.Throws<ArgumentException>(() => ReplayRun.OrderFor(Sig.Actors.Sources.StoreReadOrder.BySymbol, Sig.Actors.Pipeline.PipelineOutputs.All, device));
        using var a = new SqliteFeatureStore(allDb);
        using var d = new SqliteFeatureStore(dailyDb);
        foreach (var date in dates)
        {
            var ra = a.ReadDaily(date);
            var rd = d.ReadDaily(date);
            Assert.Equal(ra.Count, rd.Count);
            Assert.NotEmpty(ra);
            for (int i = 0; i < ra.Count; i++)
            {
                Assert.Equal(ra[i].Symbol, rd[i].Symbol);
                Assert.Equal(ra[i].Values.Select(BitConverter.DoubleToInt64Bits), rd[i].Values.Select(BitConverter.DoubleToInt64Bits));
            }
        }
    }

    [Fact]
    public void Configuration_changes_the_digest()
    {
        var k2 = new EngineConfig { BigOrder = new BigOrderOptions { StdMultiple = 2.0 } };
        Assert.NotEqual(Replay(1, "k1"), Replay(1, "k2", k2));
    }

    [Fact]
    public void Factors_csv_has_the_contract_header_sorted_rows_and_round_trip_values()
    {
        string date = market.Ticks.Dates[1].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string csv = Path.Combine(market.Root, "f.csv");
        Assert.Equal(0, Cli.Run(["factors", "--store", market.Store, "--date", date, "--asof-minute", "240", "--out", csv]));
        var lines = File.ReadAllLines(csv);
        Assert.Equal("date,symbol," + string.Join(',', FactorCatalog.Names), lines[0]);
        var symbols = lines.Skip(1).Select(l => l.Split(',')[1]).ToList();
        Assert.Equal(symbols.OrderBy(s => s, StringComparer.Ordinal), symbols);
        // The daily values equal what replay stored (bit for bit after a text round trip).
        var db = Path.Combine(market.Root, "fdaily.db");
        ReplayCommand.Run(market.Ticks, [market.Ticks.Dates[1]], new EngineConfig(), 1, db);
        using var fs = new SqliteFeatureStore(db);
        var stored = fs.ReadDaily(market.Ticks.Dates[1]);
        for (int i = 0; i < stored.Count; i++)
        {
            var cells = lines[i + 1].Split(',');
            Assert.Equal(29, cells.Length);
            for (int f = 0; f < FactorCatalog.Count; f++)
            {
                double v = cells[f + 2] == "" ? double.NaN : double.Parse(cells[f + 2], CultureInfo.InvariantCulture);
                Assert.Equal(BitConverter.DoubleToInt64Bits(stored[i].Values[f]), BitConverter.DoubleToInt64Bits(v));
            }
        }
    }

    [Fact]
    public void As_of_minute_values_differ_from_the_close_and_bars_follow_the_contract()
    {
        string date = market.Ticks.Dates[0].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string m30 = Path.Combine(market.Root, "m30.csv"), m240 = Path.Combine(market.Root, "m240.csv"), bars = Path.Combine(market.Root, "bars.csv");
        Assert.Equal(0, Cli.Run(["factors", "--store", market.Store, "--date", date, "--asof-minute", "30", "--out", m30]));
        Assert.Equal(0, Cli.Run(["factors", "--store", market.Store, "--date", date, "--out", m240]));
        Assert.NotEqual(File.ReadAllText(m30), File.ReadAllText(m240));
        var row30 = File.ReadAllLines(m30)[1].Split(',');
        Assert.Equal("", row30[2 + FactorCatalog.VolumePerc2]); // half hour 2 has not started at minute 30
        Assert.Equal(0, Cli.Run(["bars", "--store", market.Store, "--date", date, "--out", bars]));
        var lines = File.ReadAllLines(bars);
        Assert.Equal("date,symbol,minute,open,high,low,close,volume,amount,n", lines[0]);
        Assert.Equal(0, (lines.Length - 1) % 240);
        Assert.All(lines.Skip(1).Take(240).Select((l, i) => (l, i)), x => Assert.Equal(x.i + 1, int.Parse(x.l.Split(',')[2], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Bad_arguments_fail_with_one_clear_line()
    {
        Assert.Equal(1, Cli.Run(["factors", "--store", Path.Combine(market.Root, "nope"), "--date", "2024-01-02", "--out", "x.csv"]));
        Assert.Equal(1, Cli.Run(["factors", "--store", market.Store, "--date", "2024-13-02", "--out", "x.csv"]));
    }
}
