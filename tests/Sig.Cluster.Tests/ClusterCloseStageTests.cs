using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Data.Features;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Host;
using Sig.Engine.Tests.Nats;
using Sig.Factors.Cpu;
using Sig.Inference;
using Sig.Orchestration;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>
/// The close on the cross-section singleton: the live day of a market with trained models (the
/// live-signals fixture: 19 days of history in a feature store, an HF GRU, an LF model and their
/// fusion) runs on two nodes with three shards; the singleton writes the close into the feature
/// store and runs the inference and optimizer stages. SIG_OUT (daily, signals, portfolio), the
/// digest and every store row of the day equal a single-process live run and a replay of the same
/// day over the same history — also when the singleton crashes after writing the close and before
/// publishing it: the restarted singleton runs the close again, publishes it once, and the store
/// holds the same rows once.
/// </summary>
public sealed class ClusterCloseStageTests(LiveModelsMarketFixture market) : IClassFixture<LiveModelsMarketFixture>
{
    /// <summary>The fixture's models plus an optimizer stage: one strategy on the HF model's scores, one on a factor; rebalancing every day.</summary>
    private string WriteConfig(string dir)
    {
        var config = JsonNode.Parse(File.ReadAllText(market.ConfigFile))!.AsObject();
        config["portfolio"] = new JsonObject
        {
            ["backtest"] = new JsonObject { ["rebalanceEveryDays"] = 1 },
            ["strategies"] = new JsonArray(
                new JsonObject { ["name"] = "gru", ["benchmark"] = "csi500", ["turnover"] = 0.5, ["score"] = "signals:" + ModelCatalog.IdOf("hf-gru") },
                new JsonObject { ["name"] = "ebbp", ["benchmark"] = "csi500", ["score"] = "early_bigorder_buy_perc" }),
        };
        string path = Path.Combine(dir, "engine.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    private string CopyHistory(string dir)
    {
        Directory.CreateDirectory(dir);
        string db = Path.Combine(dir, "features.db");
        File.Copy(market.HistoryDb, db);
        return db;
    }

    /// <summary>A single-process pipeline over <paramref name="source"/> writing into <paramref name="db"/> with the configured close stages: (digest, close products).</summary>
    private static async Task<(string Digest, IReadOnlyList<CloseProduct> Products)> SingleProcessAsync(EngineConfig config, string db,
        IMarketEventSource source, Func<SqliteFeatureStore, DailyBarOutput> bars)
    {
        using var features = new SqliteFeatureStore(db);
        var stages = CloseStageWiring.For(config, db, TextWriter.Null);
        using var owned = CloseStageWiring.Own(stages);
        using var backend = new CpuComputeBackend(1);
        await using var pipeline = new MarketPipeline(config.BigOrder, backend, 2, config.Actors, dailyStore: features, dailyBars: bars(features), closeStages: stages);
        MinuteOutput? close = null;
        pipeline.Outputs.Subscribe(o => { if (o.IsClose) close = o; });
        await pipeline.RunAsync(source);
        return (pipeline.DigestHex, close!.CloseProducts);
    }

    [Fact]
    public async Task The_singleton_runs_the_close_stages_like_one_process_and_a_crash_before_publishing_the_close_repeats_it_once()
    {
        await using var kit = await ClusterKit.StartAsync(ticks: market.Store, date: market.Date);
        var config = EngineConfig.Load(WriteConfig(kit.Root));
        var ticks = TickStore.Open(market.Store);

        // One process: the store replay (what `engine replay --store` runs) and the live path over the md messages the cluster is fed.
        string replayDb = CopyHistory(Path.Combine(kit.Root, "replay"));
        var replay = await SingleProcessAsync(config, replayDb, new StoreEventSource([market.Date], ticks.OpenDay),
            f => new DailyBarOutput(f, new TickStoreReferences(ticks)));
        string liveDb = CopyHistory(Path.Combine(kit.Root, "live"));
        List<(string, byte[])> messages;
        using (var day = ticks.OpenDay(market.Date)) messages = [.. kit.Plan(day).Select(m => (m.Subject, m.Payload))];
        var parser = new MdMessageParser(kit.Subjects);
        var live = await SingleProcessAsync(config, liveDb, new MdMessageSource(messages, parser), f => new DailyBarOutput(f, parser.References));
        Assert.Equal(replay.Digest, live.Digest);
        string[] kinds = [.. LiveModelsMarketFixture.Models.Select(m => "signals:" + ModelCatalog.IdOf(m)), "portfolio:gru", "portfolio:ebbp"];
        Assert.Equal(kinds, replay.Products.Select(p => p.Kind));

        // The cluster: every node opens the same store and builds the same stages; the singleton crashes once at the close,
        // after the store has the close's rows and before anything of the close is published.
        await kit.FeedAsync();
        string clusterDb = CopyHistory(Path.Combine(kit.Root, "cluster"));
        var log = new ConcurrentQueue<string>();
        int crashes = 0;
        const int shards = 3;
        var spec = kit.Spec(nodes: 2, shards);
        var nodes = new List<EngineNode>();
        var owned = new List<IDisposable>();
        try
        {
            foreach (var i in new[] { 0, 1 })
            {
                var features = new SqliteFeatureStore(clusterDb);
                var stages = CloseStageWiring.For(config, clusterDb, TextWriter.Null);
                owned.Add(features);
                owned.Add(CloseStageWiring.Own(stages));
                nodes.Add(await EngineNode.StartAsync(spec, i, new ShardHost
                {
                    WorkDirectory = kit.Work, Nats = kit.ClientOptions("sig-node"), Subjects = kit.Subjects, Config = config, Backend = new CpuComputeBackend(),
                    Shards = shards, Log = log.Enqueue, DailyStore = features, CloseStages = stages,
                    BeforePublish = o =>
                    {
                        if (o.IsClose && Interlocked.Increment(ref crashes) == 1) throw new IOException("injected: the singleton dies after writing the close");
                    },
                }));
            }
            await using var connection = await kit.ConnectAsync();
            Assert.Equal(replay.Digest, await kit.WaitForCloseDigestAsync(connection, () => string.Join("\n", log)));
            Assert.Equal(2, crashes); // the close was merged twice: once before the crash, once after the restart
            Assert.Contains(log, l => l.Contains("cross-section: restarting after IOException", StringComparison.Ordinal));

            // SIG_OUT: every output once; at the close daily, then the products in stage order with the replay's bytes, then the digest.
            var stored = await NatsTestKit.ReadStreamAsync(connection, MarketSubjects.OutStream);
            Assert.Equal(240 * (market.Symbols + 2) + 1 + kinds.Length, stored.Count);
            Assert.Equal(stored.Count, stored.Select(m => m.MsgId).Distinct().Count());
            string close = $"{kit.Date:yyyy-MM-dd}:240:";
            var products = stored.Where(m => kinds.Any(k => m.MsgId!.EndsWith(close + k, StringComparison.Ordinal))).ToList();
            Assert.Equal(replay.Products.Select(p => kit.Subjects.Prefix + "." + p.Subject), products.Select(m => m.Subject));
            for (int i = 0; i < products.Count; i++) Assert.Equal(replay.Products[i].Payload, products[i].Data);
            var daily = stored.Single(m => m.MsgId!.EndsWith(close + "daily", StringComparison.Ordinal));
            var digest = stored.Single(m => m.MsgId!.EndsWith(close + "digest", StringComparison.Ordinal));
            Assert.True(daily.Seq < products[0].Seq && products[^1].Seq < digest.Seq);
        }
        finally
        {
            foreach (var n in nodes) await n.DisposeAsync();
            foreach (var o in owned) o.Dispose();
        }

        // The store: the day's rows of every dated table (factors, bars, reference, index weights, styles, scores, targets) are the replay's, once each.
        var expected = DayRows(replayDb, market.Date);
        Assert.Contains(expected, t => t.Key == "portfolio_targets" && t.Value.Count > 0);
        Assert.Contains(expected, t => t.Key == "daily_bars" && t.Value.Count > 0);
        Assert.Equal(expected, DayRows(liveDb, market.Date));
        Assert.Equal(expected, DayRows(clusterDb, market.Date));
    }

    /// <summary>Every table with a <c>date</c> column (but the change log, whose values are random): its rows of <paramref name="date"/>, in column order.</summary>
    private static SortedDictionary<string, List<string>> DayRows(string db, DateOnly date)
    {
        SqliteConnection.ClearAllPools();
        using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly");
        c.Open();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND m.name <> 'panel_changes' "
                + "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'date') ORDER BY m.name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var result = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\" WHERE date = $d";
            cmd.Parameters.AddWithValue("$d", date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            using var r = cmd.ExecuteReader();
            var rows = new List<string>();
            while (r.Read())
                rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "NULL"
                    : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            rows.Sort(StringComparer.Ordinal); // the multiset of rows: a row written twice shows up twice
            result[table] = rows;
        }
        return result;
    }
}
