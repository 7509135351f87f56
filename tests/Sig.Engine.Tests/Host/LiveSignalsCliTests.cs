using System.Globalization;
using System.Text.Json;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Host.Commands;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Sig.Factors.Cpu;
using Sig.Inference;
using Sig.Orchestration;
using Sig.Data.Features;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>
/// A generated 20-day market: the first 19 days replayed into a feature store, small HF GRU and
/// LF models trained on it (hidden 16, so the HF model infers on the batched GRU path where the
/// CPU has it), and the last day — the live day — replayed in process with the inference stage
/// on a copy of that store, giving the reference digest and <c>signals:*</c> payloads.
/// </summary>
public sealed class LiveModelsMarketFixture : IDisposable
{
    public static readonly string[] Models = ["hf-gru", "lf-mtl", ModelCatalog.Fusion];

    public string Root { get; } = Directory.CreateTempSubdirectory("engine-live-signals-").FullName;
    public string Store => Path.Combine(Root, "store");
    /// <summary>The feature store after the 19 days before the live day, with the models registered.</summary>
    public string HistoryDb => Path.Combine(Root, "history.db");
    public string ReplayDb => Path.Combine(Root, "replay.db");
    public string ConfigFile => Path.Combine(Root, "engine.json");
    public DateOnly Date { get; }
    public string DateText => Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public int Symbols { get; }
    public string ReplayDigest { get; }
    public IReadOnlyList<CloseProduct> ReplaySignals { get; }

    public LiveModelsMarketFixture()
    {
        using (var sink = new TickStoreWriter(Store))
            new MarketGenerator(new GeneratorSettings { Stocks = 12, Days = 20, EventsPerStockDay = 600, Seed = 33 }).Generate(sink);
        var ticks = TickStore.Open(Store);
        var dates = ticks.Dates;
        Date = dates[^1];
        using (var day = ticks.OpenDay(Date)) Symbols = day.SymbolCount;
        ReplayCommand.Run(ticks, [.. dates.Take(dates.Count - 1)], new EngineConfig(), 2, HistoryDb, PipelineOutputs.Daily);

        // 4-day windows need 11 days of labels after each sample date: the latest retrain with a few training dates, before the live day.
        string modelDir = Path.Combine(Root, "models");
        using (var fs = new SqliteFeatureStore(HistoryDb))
            foreach (var name in new[] { "hf-gru", "lf-mtl" })
                RollingTraining.TrainRetrain(fs, ModelCatalog.Get(name, days: 4, every: 1, hidden: 16), dates[^3], new TrainingPlan(Seeds: 1, MaxEpochs: 4, Patience: 2), modelDir);
        File.WriteAllText(ConfigFile, JsonSerializer.Serialize(new { inference = new { models = Models, modelDir } }));

        var config = EngineConfig.Load(ConfigFile);
        File.Copy(HistoryDb, ReplayDb);
        MinuteOutput? close = null;
        // What `engine replay` runs (a pipeline over the tick store writing into the feature store, the configured close stages after the rollup), observed.
        using (var features = new SqliteFeatureStore(ReplayDb))
        using (var backend = new CpuComputeBackend(1))
        {
            var pipeline = new MarketPipeline(config.BigOrder, backend, 2, config.Actors, dailyStore: features,
                dailyBars: new DailyBarOutput(features, new TickStoreReferences(ticks)), closeStages: CloseStageWiring.For(config, ReplayDb));
            pipeline.Outputs.Subscribe(o => { if (o.IsClose) close = o; });
            pipeline.RunAsync(new StoreEventSource([Date], ticks.OpenDay)).GetAwaiter().GetResult();
            ReplayDigest = pipeline.DigestHex;
        }
        ReplaySignals = close!.CloseProducts;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Root, true);
    }
}

/// <summary>
/// The inference close stage end to end over NATS: `feed` → `live --store` with the models
/// configured → the <c>sig.signals.*</c> messages in SIG_OUT carry the bytes a replay of the day
/// makes, once each under their Msg-Ids, and `verify-replay --store` re-makes the same digest.
/// </summary>
public sealed class LiveSignalsCliTests(LiveModelsMarketFixture market) : IClassFixture<LiveModelsMarketFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly MarketSubjects _subjects = new();
    private NatsServerFixture _server = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _server = await NatsServerFixture.StartAsync();
        _work = Directory.CreateTempSubdirectory("engine-live-signals-run-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_work, true);
    }

    [Fact]
    public async Task Live_with_the_inference_stage_publishes_the_replay_signal_bytes_once_and_verify_replay_agrees()
    {
        // The replay made every configured signal, each a real cross-section.
        Assert.Equal(LiveModelsMarketFixture.Models.Select(m => "signals:" + ModelCatalog.IdOf(m)), market.ReplaySignals.Select(p => p.Kind));
        foreach (var p in market.ReplaySignals)
            Assert.True(JsonDocument.Parse(p.Payload).RootElement.GetProperty("symbols").GetArrayLength() >= 3, p.Kind);

        var (fed, _, feedErr) = EngineProcess.Run(Timeout, "feed", "--store", market.Store, "--date", market.DateText, "--nats", _server.Url, "--jitter-seed", "5");
        Assert.True(fed == 0, feedErr);
        string features = Path.Combine(_work, "features"), journal = Path.Combine(_work, "journal");
        Directory.CreateDirectory(features);
        File.Copy(market.HistoryDb, Path.Combine(features, "features.db"));
        var (code, stdout, stderr) = EngineProcess.Run(Timeout, "live", "--config", market.ConfigFile, "--nats", _server.Url, "--journal", journal,
            "--stop-after-close", "--store", features);
        Assert.True(code == 0, stderr);
        Assert.Equal(market.ReplayDigest, EngineProcess.DigestOf(stdout));

        var (verified, vout, verr) = EngineProcess.Run(Timeout, "verify-replay", "--config", market.ConfigFile, "--journal", journal, "--store", features);
        Assert.True(verified == 0, vout + verr);
        Assert.Equal(market.ReplayDigest, EngineProcess.DigestOf(vout));

        await using var nats = await _server.ConnectAsync();
        var stored = await NatsTestKit.ReadStreamAsync(nats, MarketSubjects.OutStream);
        var ids = stored.Select(m => m.MsgId!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        string journalId = File.ReadAllText(Path.Combine(journal, "journal.id")).Trim();
        string close = $"{journalId}:{market.DateText}:240:";
        var expected = new HashSet<string>();
        using (var day = TickStore.Open(market.Store).OpenDay(market.Date))
            for (int m = 1; m <= 240; m++)
            {
                string p = $"{journalId}:{market.DateText}:{m}:";
                for (int i = 0; i < day.SymbolCount; i++) expected.Add(p + "intraday:" + day.Symbol(i));
                expected.Add(p + "snapshot");
                expected.Add(p + "digest");
            }
        expected.Add(close + "daily");
        foreach (var p in market.ReplaySignals) expected.Add(close + p.Kind);
        Assert.True(expected.SetEquals(ids), "SIG_OUT differs from the expected outputs: " + string.Join(' ', ids.Except(expected).Concat(expected.Except(ids)).Take(5)));

        // Each signal once, in stage order, after the daily payload and before the close digest, with the replay's bytes.
        var signals = stored.Where(m => m.Subject.StartsWith(_subjects.Prefix + ".signals.", StringComparison.Ordinal)).ToList();
        Assert.Equal(market.ReplaySignals.Select(p => _subjects.Prefix + "." + p.Subject), signals.Select(m => m.Subject));
        Assert.Equal(market.ReplaySignals.Select(p => close + p.Kind), signals.Select(m => m.MsgId));
        for (int i = 0; i < signals.Count; i++) Assert.Equal(market.ReplaySignals[i].Payload, signals[i].Data);
        var closeDigest = stored.Single(m => m.MsgId == close + "digest");
        Assert.True(stored.Single(m => m.MsgId == close + "daily").Seq < signals[0].Seq && signals[^1].Seq < closeDigest.Seq);
        Assert.Equal(market.ReplayDigest, JsonDocument.Parse(closeDigest.Data).RootElement.GetProperty("digest").GetString());

        // The live store holds the replay's score rows.
        foreach (var m in LiveModelsMarketFixture.Models)
        {
            var rows = DailyBarsParityTests.Rows(market.ReplayDb, ModelCatalog.ScoreTable(m), market.Date);
            Assert.NotEmpty(rows);
            Assert.Equal(rows, DailyBarsParityTests.Rows(Path.Combine(features, "features.db"), ModelCatalog.ScoreTable(m), market.Date));
        }
    }
}
