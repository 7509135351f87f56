using System.Globalization;
using System.Text.Json;
using NATS.Client.Core;
using Sig.Engine.Config;
using Sig.Engine.Host.Commands;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Sig.Engine.Time;
using Sig.Replay.Feed;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>One generated session (10 stocks) with its replay digest, shared by the live CLI tests.</summary>
public sealed class LiveMarketFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("engine-live-cli-").FullName;
    public string Store => Path.Combine(Root, "store");
    public DateOnly Date { get; }
    public string DateText => Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public int Symbols { get; }
    public string ReplayDigest { get; }

    public LiveMarketFixture()
    {
        using (var sink = new TickStoreWriter(Store))
            new MarketGenerator(new GeneratorSettings { Stocks = 10, Days = 1, EventsPerStockDay = 2000, Seed = 21 }).Generate(sink);
        var ticks = TickStore.Open(Store);
        Date = ticks.Dates[0];
        using (var day = ticks.OpenDay(Date)) Symbols = day.SymbolCount;
        ReplayDigest = ReplayCommand.Run(ticks, [Date], new EngineConfig(), 2, Path.Combine(Root, "replay.db")).Manifest.OutputDigest;
    }

    public void Dispose() => Directory.Delete(Root, true);
}

/// <summary>
/// The CLI end to end against a real nats-server: `feed` → `live` → outputs, compared with
/// `replay` and `verify-replay`; kill -9 and restart; the server restarted mid-session.
/// </summary>
public sealed class LiveCliTests(LiveMarketFixture market) : IClassFixture<LiveMarketFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly MarketSubjects _subjects = new();
    private NatsServerFixture _server = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _server = await NatsServerFixture.StartAsync();
        _work = Directory.CreateTempSubdirectory("engine-live-run-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, true);
    }

    private string Journal => Path.Combine(_work, "journal");

    private void Feed(int jitterSeed)
    {
        var (code, _, err) = EngineProcess.Run(Timeout, "feed", "--store", market.Store, "--date", market.DateText, "--nats", _server.Url,
            "--jitter-seed", jitterSeed.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, err);
    }

    /// <summary>
    /// Feeds the plan in process up to and including the heartbeat that closes <paramref name="minute"/>
    /// (all of it when null). A live session fed this far cannot finish (the close is not in SIG_MD),
    /// so a test can act on a running session without racing it. Re-feeding a longer prefix adds only
    /// what is new (Msg-Id de-duplication).
    /// </summary>
    private async Task FeedThroughAsync(DayFeedPlan plan, int? minute)
    {
        var prefix = new List<FeedMessage>();
        foreach (var m in plan)
        {
            prefix.Add(m);
            if (minute is { } last && m.Kind == FeedMessageKind.Clock && SessionBars.ClosedBarsAt(m.Time) >= last) break;
        }
        await using var nats = await _server.ConnectAsync();
        await new DayFeedPublisher(nats, plan.Subjects).PublishAsync(prefix);
    }

    private DayFeedPlan Plan(TickDay day, int jitterSeed) => DayFeedPlan.For(day, (ulong)jitterSeed);

    private string[] LiveArgs(params string[] extra) =>
        ["live", "--nats", _server.Url, "--journal", Journal, "--stop-after-close", .. extra];

    private string VerifyReplay()
    {
        var (code, stdout, stderr) = EngineProcess.Run(Timeout, "verify-replay", "--journal", Journal);
        Assert.True(code == 0, stdout + stderr);
        return EngineProcess.DigestOf(stdout);
    }

    /// <summary>SIG_OUT holds every output of the session exactly once (by Nats-Msg-Id), and nothing else.</summary>
    private async Task AssertSigOutCompleteAndUniqueAsync()
    {
        await using var nats = await _server.ConnectAsync();
        var stored = await NatsTestKit.ReadStreamAsync(nats, MarketSubjects.OutStream);
        var ids = stored.Select(m => m.MsgId!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        string journalId = File.ReadAllText(Path.Combine(Journal, "journal.id")).Trim();
        var expected = new HashSet<string>();
        using (var day = TickStore.Open(market.Store).OpenDay(market.Date))
            for (int m = 1; m <= 240; m++)
            {
                string p = $"{journalId}:{market.DateText}:{m}:";
                for (int i = 0; i < day.SymbolCount; i++) expected.Add(p + "intraday:" + day.Symbol(i));
                expected.Add(p + "snapshot");
                expected.Add(p + "digest");
                if (m == 240) expected.Add(p + "daily");
            }
        Assert.Equal(expected.Count, ids.Count);
        Assert.True(expected.SetEquals(ids), "SIG_OUT differs from the expected outputs");
        var lastDigest = JsonDocument.Parse(stored.Last(m => m.Subject == _subjects.Digest).Data).RootElement;
        Assert.Equal(240, lastDigest.GetProperty("minute").GetInt32());
        Assert.Equal(market.ReplayDigest, lastDigest.GetProperty("digest").GetString());
    }

    [Fact]
    public async Task Feed_with_random_splits_then_live_gives_the_replay_digest_and_verify_replay_agrees()
    {
        Feed(jitterSeed: 11);
        string features = Path.Combine(_work, "features");
        var (code, stdout, stderr) = EngineProcess.Run(Timeout, LiveArgs("--store", features));
        Assert.True(code == 0, stderr);
        string live = EngineProcess.DigestOf(stdout);
        Assert.Equal(market.ReplayDigest, live);
        Assert.Equal(live, VerifyReplay());
        await AssertSigOutCompleteAndUniqueAsync();

        // DailyRollup wrote the close into the feature store, the same rows replay wrote.
        using var liveStore = new Sig.Data.Features.SqliteFeatureStore(Path.Combine(features, "features.db"));
        using var replayStore = new Sig.Data.Features.SqliteFeatureStore(Path.Combine(market.Root, "replay.db"));
        var fromLive = liveStore.ReadDaily(market.Date);
        var fromReplay = replayStore.ReadDaily(market.Date);
        Assert.Equal(market.Symbols, fromLive.Count);
        Assert.Equal(fromReplay.Select(r => r.Symbol), fromLive.Select(r => r.Symbol));
        for (int i = 0; i < fromLive.Count; i++) Assert.Equal(fromReplay[i].Values, fromLive[i].Values);
        foreach (var table in new[] { "daily_bars", "daily_reference", "index_weights" })
            Assert.Equal(DailyBarsParityTests.Rows(Path.Combine(market.Root, "replay.db"), table, market.Date),
                DailyBarsParityTests.Rows(Path.Combine(features, "features.db"), table, market.Date));
    }

    [Fact]
    public Task Kill_9_at_seeded_points_and_restart_on_the_same_journal_gives_identical_outputs_once() =>
        KillAndRestartAsync(new Dictionary<string, string>());

    [PostgresFact]
    public async Task Kill_9_with_the_snapshots_in_postgresql_recovers_the_same_way()
    {
        using var postgres = new ThrowawayPostgres();
        // The connection string comes from the environment, as a deployment would pass a secret.
        await KillAndRestartAsync(new Dictionary<string, string> { [PersistenceOptions.ConnectionEnvironmentVariable] = postgres.ConnectionString },
            "--snapshot-store", "postgresql");
    }

    /// <summary>
    /// kill -9 at seeded points, each restart recovering from the newest persisted snapshot and the
    /// journal after it; the last restart must have started from a snapshot (not the journal's
    /// start) and still give the replay digest, with every output in SIG_OUT exactly once.
    /// </summary>
    private async Task KillAndRestartAsync(IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        using var day = TickStore.Open(market.Store).OpenDay(market.Date);
        var plan = Plan(day, 3);
        await using var nats = await _server.ConnectAsync();
        await using var digests = await nats.SubscribeCoreAsync<byte[]>(_subjects.Digest);
        await nats.PingAsync();
        int maxMinute = 0;
        var watcher = Task.Run(async () =>
        {
            await foreach (var msg in digests.Msgs.ReadAllAsync())
            {
                int minute = JsonDocument.Parse(msg.Data).RootElement.GetProperty("minute").GetInt32();
                if (minute > Volatile.Read(ref maxMinute)) Volatile.Write(ref maxMinute, minute);
            }
        });
        var rng = new Random(20241121);
        var targets = Enumerable.Range(0, 8).Select(_ => rng.Next(1, 236)).Distinct().Order().ToList();
        targets.Insert(0, 0); // one kill before the first output: during startup or recovery
        Assert.True(targets[^1] >= 20, "the last kill comes after a snapshot (every 10 minutes)");
        int recoveredFromSnapshots = 0;
        await using var probe = new CutProbe(Journal, environment, extra.Contains("postgresql"));
        foreach (int target in targets)
        {
            // SIG_MD ends a few minutes after the kill point, so the session is still running when it is reached.
            await FeedThroughAsync(plan, target + 3);
            using var live = EngineProcess.Start(environment, LiveArgs(extra));
            await NatsTestKit.WaitUntilAsync(() => Volatile.Read(ref maxMinute) >= target || live.HasExited, $"live reaching minute {target}");
            if (target == targets[^1])
                // The snapshots are written off the minute path: the last kill waits until one is stored, so the final run has one to start from.
                await NatsTestKit.WaitUntilAsync(() => live.HasExited || live.Stderr.Contains("recovering from the snapshot") || probe.Stored(),
                    "a persisted snapshot");
            await Task.Delay(rng.Next(0, 25)); // wall-clock ok: a seeded jitter of the kill point within the minute, not an assertion
            Assert.False(live.HasExited, $"live exited before the kill at minute {target}: {live.Stderr}");
            live.Kill();
            if (live.Stderr.Contains("recovering from the snapshot after journal input")) recoveredFromSnapshots++;
            Assert.DoesNotContain("refused", live.Stderr);
        }
        Assert.True(targets.Count >= 8, $"{targets.Count} kill points");

        await FeedThroughAsync(plan, null);
        long journalRecords = JournalRecords();
        var (code, stdout, stderr) = EngineProcess.Run(Timeout, environment, LiveArgs(extra));
        Assert.True(code == 0, stderr);
        Assert.Contains("recovering from the snapshot after journal input", stderr);
        Assert.DoesNotContain("refused", stderr);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Journal, "live.manifest.json"))).RootElement;
        long from = manifest.GetProperty("recoveredFromInput").GetInt64();
        Assert.True(from > 0 && manifest.GetProperty("recoveredFromMinute").GetInt32() >= 10, manifest.ToString());
        Assert.Equal(journalRecords - from, manifest.GetProperty("inputsReplayed").GetInt64());
        Assert.True(manifest.GetProperty("inputsReplayed").GetInt64() < journalRecords, "recovery replayed the whole journal");
        Assert.True(recoveredFromSnapshots >= 1 || targets.Count(t => t >= 20) <= 1, $"only {recoveredFromSnapshots} restarts started from a snapshot");
        Assert.Equal(market.ReplayDigest, EngineProcess.DigestOf(stdout));
        Assert.Equal(market.ReplayDigest, VerifyReplay());
        await AssertSigOutCompleteAndUniqueAsync();
        await digests.UnsubscribeAsync();
        await watcher;
    }

    private long JournalRecords()
    {
        using var reader = Sig.Engine.Journal.JournalReader.Open(Journal);
        long n = 0;
        while (reader.TryReadNext(out _)) n++;
        return n;
    }

    /// <summary>Whether a cut is stored yet, read through the engine's own snapshot store (false while it is not there yet or busy).</summary>
    private sealed class CutProbe(string journal, IReadOnlyDictionary<string, string> environment, bool postgres) : IAsyncDisposable
    {
        private Sig.Actors.Persistence.SqlSnapshotStore? _store;

        public bool Stored()
        {
            string idFile = Path.Combine(journal, "journal.id");
            if (!File.Exists(idFile)) return false;
            _store ??= Sig.Actors.Persistence.SqlSnapshotStore.Open(new PersistenceOptions { Provider = postgres ? "postgresql" : "sqlite" }, journal,
                name => environment.TryGetValue(name, out var v) ? v : null)!;
            try
            {
                return _store.LoadAsync(File.ReadAllText(idFile).Trim() + "/cut", long.MaxValue).GetAwaiter().GetResult() is not null;
            }
            catch (Exception e) when (e is IOException or TimeoutException or Akka.Actor.AskTimeoutException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_store is not null) await _store.DisposeAsync();
        }
    }

    [Fact]
    public async Task Nats_server_restarted_mid_session_loses_nothing_once_jetstream_holds_the_input()
    {
        using var day = TickStore.Open(market.Store).OpenDay(market.Date);
        var plan = Plan(day, 8);
        await FeedThroughAsync(plan, 120);
        using var live = EngineProcess.Start(LiveArgs());
        // Progress is read from the journal's manifest, which does not depend on the server being up.
        string manifest = Path.Combine(Journal, "live.manifest.json");
        await NatsTestKit.WaitUntilAsync(() => live.HasExited || File.Exists(manifest) && Manifest.MinuteOf(manifest) >= 60, "live reaching minute 60");
        Assert.False(live.HasExited, "the session ended before the server restart: " + live.Stderr);
        await _server.RestartAsync();
        await FeedThroughAsync(plan, null);
        Assert.True(live.WaitForExit(Timeout), "live did not finish after the restart: " + live.Stderr);
        Assert.True(live.ExitCode == 0, live.Stderr);
        Assert.Equal(market.ReplayDigest, EngineProcess.DigestOf(live.Stdout));
        Assert.Equal(market.ReplayDigest, VerifyReplay());
        await AssertSigOutCompleteAndUniqueAsync();
    }

    /// <summary>Reads the live manifest's progress (minute closed so far) tolerantly: it is replaced atomically while we read.</summary>
    private static class Manifest
    {
        public static int MinuteOf(string path)
        {
            try
            {
                var root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
                return root.TryGetProperty("lastMinute", out var m) ? m.GetInt32() : 0;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                return 0;
            }
        }
    }
}

/// <summary>A downstream strategy in another language: the npm `nats` client subscribes to the engine's outputs.</summary>
public sealed class NodeSubscriberTests(LiveMarketFixture market) : IClassFixture<LiveMarketFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private NatsServerFixture _server = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _server = await NatsServerFixture.StartAsync();
        _work = Directory.CreateTempSubdirectory("engine-node-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, true);
    }

    internal static string NodeDirectory() => Path.GetDirectoryName(RepositoryFile.Find(Path.Combine("tests", "node", "subscriber.mjs")))!;

    [NodeNatsFact]
    public async Task The_npm_nats_client_receives_schema_valid_snapshots_and_intraday_equal_to_the_export()
    {
        string node = NodeDirectory();
        string outJson = Path.Combine(_work, "received.json");
        var info = new System.Diagnostics.ProcessStartInfo("node") { WorkingDirectory = node, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["subscriber.mjs", _server.Url, outJson, "sig", "100"]) info.ArgumentList.Add(a);
        using var subscriber = System.Diagnostics.Process.Start(info)!;
        string? first = await subscriber.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("ready", first);

        var (feed, _, feedErr) = EngineProcess.Run(Timeout, "feed", "--store", market.Store, "--date", market.DateText, "--nats", _server.Url);
        Assert.True(feed == 0, feedErr);
        var (live, stdout, liveErr) = EngineProcess.Run(Timeout, "live", "--nats", _server.Url, "--journal", Path.Combine(_work, "journal"), "--stop-after-close");
        Assert.True(live == 0, liveErr);
        Assert.Equal(market.ReplayDigest, EngineProcess.DigestOf(stdout));

        await subscriber.WaitForExitAsync().WaitAsync(Timeout);
        string stderr = await subscriber.StandardError.ReadToEndAsync();
        var received = JsonDocument.Parse(File.ReadAllText(outJson)).RootElement;
        Assert.True(subscriber.ExitCode == 0, $"node exit {subscriber.ExitCode}: {received.GetProperty("errors")} {received.GetProperty("why")} {stderr}");
        Assert.Equal(0, received.GetProperty("errors").GetArrayLength());
        Assert.Equal(240, received.GetProperty("snapshotMinutes").GetArrayLength());

        foreach (int minute in new[] { 1, 97, 240 })
        {
            string csv = Path.Combine(_work, $"factors-{minute}.csv");
            var (code, _, err) = EngineProcess.Run(Timeout, "factors", "--store", market.Store, "--date", market.DateText,
                "--asof-minute", minute.ToString(CultureInfo.InvariantCulture), "--out", csv);
            Assert.True(code == 0, err);
            var export = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[1], c => c[2..]);
            var snap = received.GetProperty("snapshots").GetProperty(minute.ToString(CultureInfo.InvariantCulture));
            var intraday = received.GetProperty("intraday").GetProperty(minute.ToString(CultureInfo.InvariantCulture));
            var symbols = snap.GetProperty("symbols").EnumerateArray().Select(s => s.GetString()!).ToArray();
            Assert.Equal(export.Keys.Order(StringComparer.Ordinal), symbols);
            for (int i = 0; i < symbols.Length; i++)
            {
                var row = snap.GetProperty("values")[i].EnumerateArray().ToArray();
                var intra = intraday.GetProperty(symbols[i]).EnumerateArray().ToArray();
                for (int f = 0; f < 27; f++)
                {
                    string expected = export[symbols[i]][f];
                    AssertSameValue(expected, row[f], $"{symbols[i]} minute {minute} factor {f} (snapshot)");
                    AssertSameValue(expected, intra[f], $"{symbols[i]} minute {minute} factor {f} (intraday)");
                }
            }
        }
    }

    private static void AssertSameValue(string exported, JsonElement received, string what)
    {
        if (exported.Length == 0) { Assert.True(received.ValueKind == JsonValueKind.Null, what); return; }
        Assert.True(received.ValueKind == JsonValueKind.Number, what);
        Assert.Equal(double.Parse(exported, CultureInfo.InvariantCulture), received.GetDouble());
    }
}

/// <summary>A test that needs Node and the npm <c>nats</c> package in tests/node: skipped, saying how to install them, when they are absent.</summary>
public sealed class NodeNatsFactAttribute : FactAttribute
{
    public NodeNatsFactAttribute()
    {
        bool node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, "node")));
        if (!node) Skip = "node is not installed (./scripts/dev deps installs it)";
        else if (!Directory.Exists(Path.Combine(NodeDirectoryOrEmpty(), "node_modules", "nats")))
            Skip = "the npm package `nats` is not installed in tests/node (./scripts/dev deps, or npm ci in tests/node)";
    }

    private static string NodeDirectoryOrEmpty()
    {
        try { return NodeSubscriberTests.NodeDirectory(); }
        catch (InvalidOperationException) { return ""; }
    }
}
