using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Cluster.Local;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Sig.Factors.Cpu;
using Sig.Replay.Feed;
using Sig.Replay.Generator;
using Sig.Replay.Store;

namespace Sig.Cluster.Tests;

/// <summary>A generated day in a tick store, a 3-server JetStream cluster on loopback with R3 streams, and the day fed into SIG_MD.</summary>
public sealed class ClusterKit : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    public string Root { get; } = Directory.CreateTempSubdirectory("sig-cluster-test-").FullName;
    public TickStore Ticks { get; private set; } = null!;
    /// <summary>The day fed (the store's first, unless given).</summary>
    public DateOnly Date { get; private set; }
    public NatsServerCluster Nats { get; private set; } = null!;
    public MarketSubjects Subjects { get; } = new() { Replicas = 3 };
    public string Work => Path.Combine(Root, "work");
    /// <summary>The md input of the cluster under test (<c>whole</c> or <c>partitioned</c>).</summary>
    public string MdInput { get; private set; } = "whole";
    /// <summary>The partitioning the servers map md subjects into (partitioned input), or null.</summary>
    public MdPartitions? Partitions { get; private set; }

    /// <param name="ticks">A tick store to feed <paramref name="date"/> of (default: a generated one-day store of <paramref name="stocks"/> × <paramref name="events"/>).</param>
    /// <param name="mdInput"><c>whole</c>, or <c>partitioned</c> into <paramref name="shards"/> partitions (the servers map the md subjects).</param>
    /// <param name="shards">The shards of the cluster under test (= partitions).</param>
    public static async Task<ClusterKit> StartAsync(int stocks = 12, int events = 1200, string? ticks = null, DateOnly? date = null, string mdInput = "whole", int shards = 3)
    {
        var kit = new ClusterKit { MdInput = mdInput, Partitions = mdInput == "partitioned" ? new MdPartitions(shards) : null };
        string store = ticks ?? Path.Combine(kit.Root, "store");
        if (ticks is null)
            using (var sink = new TickStoreWriter(store))
                new MarketGenerator(new GeneratorSettings { Stocks = stocks, Days = 1, EventsPerStockDay = events, Seed = 11 }).Generate(sink);
        kit.Ticks = TickStore.Open(store);
        kit.Date = date ?? kit.Ticks.Dates[0];
        kit.Nats = new NatsServerCluster(Path.Combine(kit.Root, "nats"), 3, kit.Partitions);
        await kit.Nats.StartAsync();
        await using var connection = await kit.ConnectAsync();
        await NatsServerCluster.EnsureStreamsAsync(connection, kit.Subjects);
        return kit;
    }

    public NatsOpts ClientOptions(string name) => NatsClientSettings.Defaults(string.Join(",", Nats.Urls), name);

    public async Task<NatsConnection> ConnectAsync()
    {
        var c = new NatsConnection(ClientOptions("sig-cluster-test"));
        await c.ConnectAsync();
        return c;
    }

    public DayFeedPlan Plan(TickDay day) => DayFeedPlan.For(day, 3, subjects: Subjects);

    public async Task FeedAsync()
    {
        await using var connection = await ConnectAsync();
        using var day = Ticks.OpenDay(Date);
        await new DayFeedPublisher(connection, Subjects).PublishAsync(Plan(day));
    }

    /// <summary>The single-process digest of the same md messages (the live path in one process) and of the store replay.</summary>
    public async Task<(string Live, string Replay)> SingleProcessDigestsAsync()
    {
        using var day = Ticks.OpenDay(Date);
        var messages = Plan(day).Select(m => (m.Subject, m.Payload)).ToList();
        string live = await RunAsync(new MdMessageSource(messages, new MdMessageParser(Subjects)));
        string replay = await RunAsync(new Sig.Actors.Sources.StoreEventSource([Date], Ticks.OpenDay));
        return (live, replay);
    }

    public static async Task<string> RunAsync(IMarketEventSource source, int shards = 2)
    {
        var config = new EngineConfig();
        await using var pipeline = new MarketPipeline(config.BigOrder, new CpuComputeBackend(), shards, config.Actors);
        await pipeline.RunAsync(source);
        return pipeline.DigestHex;
    }

    public ShardHost Host(int shards, Action<string>? log = null) => new()
    {
        WorkDirectory = Work, Nats = ClientOptions("sig-node"), Subjects = Subjects, Config = new EngineConfig(),
        Backend = new CpuComputeBackend(), Shards = shards, Log = log ?? (_ => { }), MdPartitions = Partitions,
    };

    public ClusterSpec Spec(int nodes, int shards) => new()
    {
        NatsUrls = Nats.Urls, Shards = shards, Replicas = 3, MdInput = MdInput,
        Nodes = [.. Enumerable.Range(0, nodes).Select(i => new NodeSpec(i, LocalNatsServer.FreePort(), [EngineNode.ShardRole, EngineNode.CoordinatorRole]))],
    };

    /// <summary>
    /// The shard journals replayed to the cluster's output: each alone (whole input: every journal
    /// holds the whole stream) or all merged by stream sequence (partitioned: each holds its partition).
    /// </summary>
    public IEnumerable<IMarketEventSource> JournalReplays(int shards)
    {
        var dirs = Enumerable.Range(0, shards).Select(k => Sig.Cluster.Sharding.ShardRunner.JournalDirectory(Work, k)).ToArray();
        return Partitions is null ? dirs.Select(d => (IMarketEventSource)new Sig.Actors.Sources.JournalEventSource(d)) : [new Sig.Actors.Sources.MergedJournalEventSource(dirs)];
    }

    /// <summary>The `verify-replay --journal` arguments of the shard journals: one per journal (whole input) or one comma-separated list (partitioned).</summary>
    public IEnumerable<string> VerifyReplayJournals(int shards)
    {
        var dirs = Enumerable.Range(0, shards).Select(k => Sig.Cluster.Sharding.ShardRunner.JournalDirectory(Work, k)).ToArray();
        return Partitions is null ? dirs : [string.Join(",", dirs)];
    }

    /// <summary>The last digest message in SIG_OUT: (minute, digest hex), or null (none yet, or no answer while its leader is elected).</summary>
    public async Task<(int Minute, string Digest)?> LastDigestAsync(NatsConnection connection)
    {
        StoredMsg? last;
        try
        {
            var stream = await new NatsJSContext(connection).GetStreamAsync(MarketSubjects.OutStream);
            last = await StoredMessages.GetLastAsync(stream, Subjects.Digest);
        }
        catch (NatsJSApiNoResponseException)
        {
            return null; // SIG_OUT's leader was on a killed server and is being elected: the callers poll again
        }
        if (last is null) return null;
        using var doc = System.Text.Json.JsonDocument.Parse(last.Data);
        return (doc.RootElement.GetProperty("minute").GetInt32(), doc.RootElement.GetProperty("digest").GetString()!);
    }

    /// <summary>Waits (bounded) until SIG_OUT holds the close's digest; returns it.</summary>
    public async Task<string> WaitForCloseDigestAsync(NatsConnection connection, Func<string>? diagnostics = null)
    {
        var watch = Stopwatch.StartNew(); // wall-clock ok: a test deadline
        while (watch.Elapsed < Deadline)
        {
            if (await LastDigestAsync(connection) is { Minute: 240 } done) return done.Digest;
            await Task.Delay(200); // wall-clock ok: poll interval of a condition wait with a deadline
        }
        throw new TimeoutException($"SIG_OUT has no close digest within {Deadline.TotalSeconds} s; last {await LastDigestAsync(connection)}; {diagnostics?.Invoke()}");
    }

    /// <summary>How the tests start a node process: the engine binary, as `engine cluster up` starts it.</summary>
    public static readonly string[] NodeCommand = ["dotnet", typeof(Sig.Engine.Host.Cli).Assembly.Location];

    /// <summary>Writes <paramref name="spec"/> into the work directory and starts its nodes as processes (`engine cluster node`), recorded for `down`.</summary>
    public ClusterProcesses StartNodes(ClusterSpec spec)
    {
        Directory.CreateDirectory(Work);
        spec.Write(Path.Combine(Work, ClusterSpec.FileName));
        var processes = new ClusterProcesses(Nats.Pids, new int[spec.Nodes.Length]);
        for (int i = 0; i < spec.Nodes.Length; i++) processes.Nodes[i] = LocalCluster.StartNode(Work, i, NodeCommand);
        LocalCluster.WriteProcesses(Work, processes);
        return processes;
    }

    /// <summary>Waits (bounded) until every node of <paramref name="spec"/> answers, sees every member Up, and every shard runs somewhere.</summary>
    public Task WaitUpAsync(NatsConnection connection, ClusterSpec spec, int pollMillis = 200) =>
        WaitAsync(async () => (await LocalCluster.AskNodesAsync(connection, spec)) is var n && n.Length == spec.Nodes.Length
            && n.All(x => x.Members.Count(m => m.Status == "Up") == spec.Nodes.Length) && n.Sum(x => x.Shards.Length) == spec.Shards,
            $"{spec.Nodes.Length} nodes up with every shard", pollMillis);

    /// <summary>Waits (bounded by <see cref="Deadline"/>) until <paramref name="condition"/> holds; the timeout names <paramref name="what"/> and carries the node logs' tails.</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, string what, int pollMillis = 200)
    {
        var watch = Stopwatch.StartNew(); // wall-clock ok: a test deadline
        while (!await condition())
        {
            if (watch.Elapsed > Deadline) throw new TimeoutException($"{what}: not within {Deadline.TotalSeconds} s\n{Logs()}");
            await Task.Delay(pollMillis); // wall-clock ok: poll interval of a condition wait with a deadline
        }
    }

    /// <summary>The last 15 lines of every node log in the work directory (failure messages).</summary>
    public string Logs() =>
        string.Join("\n", Directory.GetFiles(Work, "node-*.log").Select(f => $"== {f}\n{string.Join("\n", File.ReadLines(f).TakeLast(15))}"));

    /// <summary>SIG_OUT holds every output of the day once: 240 minutes × (symbols + snapshot + digest) + the daily.</summary>
    public static async Task AssertOutOnceAsync(NatsConnection connection, int symbols)
    {
        var stored = await NatsTestKit.ReadStreamAsync(connection, MarketSubjects.OutStream);
        Xunit.Assert.Equal(240 * (symbols + 2) + 1, stored.Count);
        Xunit.Assert.Equal(stored.Count, stored.Select(m => m.MsgId).Distinct().Count());
    }

    public async ValueTask DisposeAsync()
    {
        Nats?.KillAll();
        await Task.CompletedTask;
        try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
