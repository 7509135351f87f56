using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Sig.Orchestration;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Host.Commands;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Factors.Cpu;
using Sig.Portfolio.Io;
using Sig.Portfolio.Optimizer;
using Sig.Data.Features;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>A generated 40-stock, 12-day tick store, made once for the optimizer stage tests.</summary>
public sealed class StageMarket : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sig-optimizer-stage-").FullName;
    public TickStore Ticks { get; }
    public IReadOnlyList<DateOnly> Dates => Ticks.Dates;

    public StageMarket()
    {
        string store = Path.Combine(Root, "store");
        using (var sink = new TickStoreWriter(store))
            new MarketGenerator(new GeneratorSettings { Stocks = 40, Days = 12, EventsPerStockDay = 400, Seed = 17 }).Generate(sink);
        Ticks = TickStore.Open(store);
    }

    public string NewDb(string name) => Path.Combine(Root, name, "features.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

public class OptimizerStageTests(StageMarket market) : IClassFixture<StageMarket>
{
    /// <summary>
    /// Four strategies: a raw factor with a turnover cap, a z-scored factor without one, a model's
    /// scores from the earlier stage, and a benchmark the store does not have (fails every time).
    /// Rebalancing every 3 trading days gives 4 rebalances in 12 days.
    /// </summary>
    private static readonly PortfolioOptions Portfolio = new()
    {
        Backtest = new BacktestOptions { RebalanceEveryDays = 3 },
        Strategies =
        [
            new PortfolioStrategyOptions { Name = "ebbp_t30", Benchmark = "csi500", Turnover = 0.3, Score = "early_bigorder_buy_perc" },
            new PortfolioStrategyOptions { Name = "z_eabr", Benchmark = "csi500", Score = "z:early_active_bigorder_ret" },
            new PortfolioStrategyOptions { Name = "model", Benchmark = "csi500", Turnover = 0.4, Score = "signals:fake" },
            new PortfolioStrategyOptions { Name = "nobench", Benchmark = "csi9999", Turnover = 0.3, Score = "early_bigorder_buy_perc" },
        ],
    };

    private static readonly string[] Kinds = ["signals:fake", "portfolio:ebbp_t30", "portfolio:z_eabr", "portfolio:model", "portfolio:nobench"];

    /// <summary>An inference stage stand-in: scores = the close's early_active_bigorder_ret, in the signals payload shape.</summary>
    private sealed class FakeSignals : ICloseStage
    {
        public string Name => "fake-model";

        public IReadOnlyList<CloseProduct> OnClose(MinuteOutput close, IReadOnlyList<CloseProduct> earlier)
        {
            var s = close.Snapshot;
            var w = new ArrayBufferWriter<byte>();
            w.Write(Encoding.ASCII.GetBytes($"{{\"v\":1,\"date\":\"{s.Date:yyyy-MM-dd}\",\"model\":\"fake\",\"symbols\":["
                + string.Join(',', s.Symbols.Select(x => $"\"{x}\"")) + "],\"scores\":["));
            for (int i = 0; i < s.Symbols.Length; i++)
            {
                if (i > 0) w.Write(","u8);
                FactorPayloads.Number(w, s.Row(i)[FactorCatalog.EarlyActiveBigorderRet]);
            }
            w.Write("]}"u8);
            return [new CloseProduct("signals:fake", "signals.fake", w.WrittenSpan.ToArray())];
        }
    }

    private sealed record StageRun(string Digest, List<MinuteOutput> Closes)
    {
        /// <summary>(date, kind) → payload of every close product.</summary>
        public Dictionary<(DateOnly, string), byte[]> Products() =>
            Closes.SelectMany(c => c.CloseProducts.Select(p => ((c.Snapshot.Date, p.Kind), p.Payload))).ToDictionary(x => x.Item1, x => x.Payload);
    }

    private StageRun Run(IMarketEventSource source, string db, int shards = 2)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(db)!);
        using var features = new SqliteFeatureStore(db);
        using var backend = new CpuComputeBackend(1);
        ICloseStage[] stages = [new FakeSignals(), new OptimizerStage(Portfolio, () => new FeatureStorePortfolioSource(db))];
        var pipeline = new MarketPipeline(new BigOrderOptions(), backend, shards, dailyStore: features,
            dailyBars: new DailyBarOutput(features, new TickStoreReferences(market.Ticks)), closeStages: stages);
        var closes = new List<MinuteOutput>();
        pipeline.Outputs.Subscribe(o => { if (o.IsClose) closes.Add(o); });
        pipeline.RunAsync(source).GetAwaiter().GetResult();
        pipeline.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return new StageRun(pipeline.DigestHex, closes);
    }

    private StageRun Replay(string db, int from = 0, int to = -1, int shards = 2)
    {
        var dates = market.Dates.Skip(from).Take((to < 0 ? market.Dates.Count - 1 : to) - from + 1).ToList();
        return Run(new StoreEventSource(dates, market.Ticks.OpenDay), db, shards);
    }

    private static List<(DateOnly, string, double, string, string)> Table(string db, string strategy)
    {
        using var fs = new SqliteFeatureStore(db);
        return fs.ReadAllTargets(strategy);
    }

    [Fact]
    public void Replay_twice_gives_identical_portfolio_bytes_digest_and_table()
    {
        var a = Replay(market.NewDb("twice-a"));
        var b = Replay(market.NewDb("twice-b"), shards: 3);
        Assert.Equal(a.Digest, b.Digest);
        var pa = a.Products();
        Assert.Equal(pa.Keys.Order(), b.Products().Keys.Order());
        foreach (var (key, bytes) in pa) Assert.Equal(bytes, b.Products()[key]);

        // Rebalances on trading days 0, 3, 6, 9; products in stage then configuration order.
        var dates = market.Dates;
        for (int d = 0; d < dates.Count; d++)
        {
            var close = a.Closes[d];
            Assert.Equal(dates[d], close.Snapshot.Date);
            Assert.Equal(d % 3 == 0 ? Kinds : ["signals:fake"], close.CloseProducts.Select(p => p.Kind));
            Assert.All(close.CloseProducts, p => Assert.Equal(p.Kind.Replace(':', '.'), p.Subject));
        }

        foreach (var name in new[] { "ebbp_t30", "z_eabr", "model" })
        {
            var rows = Table(market.NewDb("twice-a"), name);
            Assert.Equal(Table(market.NewDb("twice-b"), name), rows);
            Assert.Equal(4, rows.Select(r => r.Item1).Distinct().Count());
            foreach (var date in rows.Select(r => r.Item1).Distinct())
            {
                using var json = JsonDocument.Parse(pa[(date, "portfolio:" + name)]);
                var root = json.RootElement;
                var symbols = root.GetProperty("symbols").EnumerateArray().Select(x => x.GetString()!).ToArray();
                var weights = root.GetProperty("weights").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                Assert.Equal("optimal", root.GetProperty("status").GetString());
                Assert.Equal([.. symbols.Order(StringComparer.Ordinal)], symbols);
                Assert.Equal(1.0, weights.Sum(), 9);
                Assert.All(weights, w => Assert.True(w > 0));
                // The table holds exactly the published targets.
                var stored = rows.Where(r => r.Item1 == date).ToList();
                Assert.Equal(symbols, stored.Select(r => r.Item2));
                Assert.Equal(weights, stored.Select(r => r.Item3));
                Assert.All(stored, r => Assert.Equal("optimal", r.Item4));
            }
        }
        // A benchmark the store lacks: a failed rebalance every time, nothing held, the run goes on.
        Assert.Empty(Table(market.NewDb("twice-a"), "nobench"));
        Assert.Equal($"{{\"v\":1,\"date\":\"{dates[3]:yyyy-MM-dd}\",\"strategy\":\"nobench\",\"symbols\":[],\"weights\":[],\"turnover\":0,\"status\":\"failed\"}}",
            Encoding.ASCII.GetString(pa[(dates[3], "portfolio:nobench")]));
    }

    [Fact]
    public void Stage_targets_equal_engine_optimize_with_the_previous_stored_targets()
    {
        string db = market.NewDb("optimize");
        var run = Replay(db);
        var source = new FeatureStorePortfolioSource(db);
        var bounds = Portfolio.Optimizer;
        foreach (var strategy in Portfolio.Strategies!.Take(2))
        {
            var rows = Table(db, strategy.Name);
            Dictionary<string, double>? previous = null;
            double lastTurnover = double.NaN;
            foreach (var date in rows.Select(r => r.Item1).Distinct())
            {
                // The CLI's path: the store as it is now (all 12 days), the date's rows only, w⁰ = the previous
                // targets less those not listed on the date (the stage sells a delisted holding, as the backtest does).
                var outcome = EnhancementJobs.Optimize(source, date, strategy.Score, strategy.Benchmark, strategy.Turnover, previous, bounds);
                if (previous is not null)
                {
                    var delisted = outcome.Input.Symbols.Where((s, i) => !outcome.Listed[i] && previous.ContainsKey(s)).ToList();
                    delisted.ForEach(s => previous.Remove(s));
                    if (delisted.Count > 0)
                        outcome = EnhancementJobs.Optimize(source, date, strategy.Score, strategy.Benchmark, strategy.Turnover, previous, bounds);
                }
                Assert.Equal(OptimizerStatus.Optimal, outcome.Result.Status);
                var expected = outcome.Input.Symbols.Select((s, i) => (s, w: outcome.Result.Weights[i])).Where(x => x.w > 0)
                    .OrderBy(x => x.s, StringComparer.Ordinal).ToList();
                var stored = rows.Where(r => r.Item1 == date).Select(r => (r.Item2, r.Item3)).ToList();
                Assert.Equal(expected, stored);
                using var json = JsonDocument.Parse(run.Products()[(date, "portfolio:" + strategy.Name)]);
                lastTurnover = json.RootElement.GetProperty("turnover").GetDouble();
                Assert.Equal(outcome.Result.Exposures.Turnover, lastTurnover);
                if (previous is null) Assert.Equal(1.0, lastTurnover, 9); // from cash
                else if (strategy.Turnover is { } cap && outcome.Result.Relaxation == Relaxation.None) Assert.True(lastTurnover <= cap + 1e-9);
                previous = stored.ToDictionary(x => x.Item1, x => x.Item2);
            }
        }
    }

    [Fact]
    public void Live_like_batches_and_their_journal_give_the_store_replay_bytes()
    {
        var replay = Replay(market.NewDb("live-replay"));
        var inputs = new List<MarketInput>();
        foreach (var (date, k) in market.Dates.Select((d, k) => (d, k)))
        {
            using var day = market.Ticks.OpenDay(date);
            inputs.AddRange(PipelineKit.LiveInputs(day, day.References.Select(r => r.Symbol), seed: 100 + k));
        }
        var live = Run(new ListSource(inputs), market.NewDb("live-list"), shards: 3);
        Assert.Equal(replay.Digest, live.Digest);
        Assert.Equal(replay.Products().Keys.Order(), live.Products().Keys.Order());
        foreach (var (key, bytes) in replay.Products()) Assert.Equal(bytes, live.Products()[key]);

        string journal = Path.Combine(market.Root, "live-journal");
        PipelineKit.Journal(journal, inputs);
        var fromJournal = Run(new JournalEventSource(journal), market.NewDb("live-journal-db"), shards: 1);
        Assert.Equal(replay.Digest, fromJournal.Digest);
    }

    [Fact]
    public void A_recovery_that_reruns_from_mid_range_on_the_store_gives_the_same_weights()
    {
        var full = Replay(market.NewDb("recovery-full"));
        string db = market.NewDb("recovery");
        Replay(db, from: 0, to: 6);
        // The restart re-runs days 5 and 6 (already in the store) and goes on to the end.
        var resumed = Replay(db, from: 5);
        foreach (var close in resumed.Closes)
            foreach (var p in close.CloseProducts)
                Assert.Equal(full.Products()[(close.Snapshot.Date, p.Kind)], p.Payload);
        Assert.Contains(resumed.Closes, c => c.CloseProducts.Count == Kinds.Length); // days 6 and 9 rebalance
        foreach (var name in new[] { "ebbp_t30", "z_eabr", "model" })
            Assert.Equal(Table(market.NewDb("recovery-full"), name), Table(db, name));
    }

    [Fact]
    public void The_replay_command_runs_the_configured_strategies_and_its_manifest_names_the_solver()
    {
        var config = new EngineConfig { Portfolio = Portfolio with { Strategies = Portfolio.Strategies![..2] } };
        string db = market.NewDb("command");
        var (manifest, _) = ReplayRun.Run(market.Ticks, [.. market.Dates], config, 2, db);
        using var optimizer = new EnhancementOptimizer(config.Portfolio.Optimizer);
        var entry = Assert.Single(manifest.CloseStages!);
        Assert.Contains($"solver CLP {optimizer.SolverVersion()}", entry);
        Assert.Contains("ebbp_t30 (benchmark csi500, turnover 0.3, score early_bigorder_buy_perc", entry);
        Assert.Contains("CLP", RunManifest.FromJson(manifest.ToJson()).CloseStages![0]);
        // The same stored targets as the pipeline run with the same strategies first in line.
        string pipelineDb = market.NewDb("command-pipeline");
        Replay(pipelineDb);
        foreach (var s in config.Portfolio.Strategies!) Assert.Equal(Table(pipelineDb, s.Name), Table(db, s.Name));
        var plain = ReplayRun.Run(market.Ticks, [.. market.Dates], new EngineConfig(), 2, market.NewDb("command-plain")).Manifest;
        Assert.Null(plain.CloseStages);
        Assert.NotEqual(plain.OutputDigest, manifest.OutputDigest);
    }
}
