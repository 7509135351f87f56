using System.Diagnostics;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Cluster.Sharding;
using Sig.Engine.Nats;

namespace Sig.Cluster.Local;

/// <summary>The processes `engine cluster up` started (what `engine cluster down` stops).</summary>
/// <param name="NatsServers">nats-server process ids.</param>
/// <param name="Nodes">Engine node process ids, by node index.</param>
/// <param name="Postgres">The directory of the PostgreSQL that <c>scripts/pg-throwaway</c> started for the snapshots (null: none).</param>
public sealed record ClusterProcesses(int[] NatsServers, int[] Nodes, string? Postgres = null)
{
    /// <summary>The file name in the cluster's work directory.</summary>
    public const string FileName = "processes.json";
}

/// <summary>A shard as `engine cluster status` reports it: where it runs and how far behind SIG_MD it is.</summary>
/// <param name="Shard">Shard index.</param>
/// <param name="Node">The node running it (null: none answered for it).</param>
/// <param name="Delivered">The consumer's last delivered stream sequence.</param>
/// <param name="Lag">Messages of SIG_MD not yet delivered to the shard's consumer.</param>
/// <param name="Minute">Minutes the shard closed today (from its node).</param>
/// <param name="Start">How the shard's entity started on its node: the cut it restored, the inputs it replayed (null: no node answered for it).</param>
public sealed record ShardPlacement(int Shard, int? Node, ulong Delivered, ulong Lag, int? Minute, ShardStatus? Start = null)
{
    /// <summary>How the shard started, in words: restored from a cut (and how much it replayed after it) or replayed its whole journal.</summary>
    public string Recovery => Start switch
    {
        null => "-",
        { RestoredFromInput: > 0, ResumedFromStreamSeq: > 0 } s => $"cut after input {s.RestoredFromInput} (minute {s.RestoredMinute}) without its journal, replayed from stream sequence {s.ResumedFromStreamSeq + 1}",
        { RestoredFromInput: > 0 } s => $"cut after input {s.RestoredFromInput} (minute {s.RestoredMinute}), replayed {s.Replayed} of {s.JournalRecords}",
        { JournalRecords: > 0 } s => $"whole journal, replayed {s.Replayed}",
        _ => "new",
    };
}

/// <summary>What `engine cluster status` prints.</summary>
public sealed record ClusterStatus(ClusterSpec Spec, NodeStatus[] Nodes, ShardPlacement[] Shards, int? PublishedMinute, string? PublishedDigest);

/// <summary>
/// A whole cluster on one machine for trying it and for tests: a 3-server JetStream cluster
/// with R3 streams and N engine node processes on loopback ports, all under one work directory
/// (<c>cluster.json</c>, <c>processes.json</c>, logs, shard journals).
/// </summary>
public static class LocalCluster
{
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Starts the NATS servers and <paramref name="nodes"/> engine nodes (each
    /// <paramref name="nodeCommand"/> + <c>cluster node --work W --node i</c>), waits until every
    /// node sees all of them Up, and returns the spec. Fails if a cluster already runs there.
    /// <paramref name="store"/>: the feature store directory the singleton writes the close into
    /// (<see cref="ClusterSpec.Store"/>), or null.
    /// </summary>
    /// <remarks>With <paramref name="snapshots"/> = <c>postgresql</c> and no <paramref name="snapshotConnection"/>, a
    /// throwaway PostgreSQL is started first (<c>scripts/pg-throwaway</c>) and stopped by <see cref="Down"/>.</remarks>
    public static async Task<ClusterSpec> UpAsync(string work, int nodes, int shards, string splitBrainStrategy, string[] nodeCommand,
        Action<string> log, CancellationToken cancellationToken = default, string snapshots = "off", string? snapshotConnection = null, string? store = null,
        string mdInput = "whole")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        if (!ClusterSpec.MdInputs.Contains(mdInput)) throw new ArgumentException($"md input must be whole or partitioned, not '{mdInput}'");
        work = Path.GetFullPath(work);
        Directory.CreateDirectory(work);
        if (ReadProcesses(work) is { } running && running.NatsServers.Concat(running.Nodes).Any(Detached.IsRunning))
            throw new ArgumentException($"a cluster already runs in {work}: engine cluster down --work {work} first");
        var nats = new NatsServerCluster(Path.Combine(work, "nats"), 3, mdInput == "partitioned" ? new MdPartitions(shards) : null);
        string? postgres = null;
        if (snapshots == "postgresql" && snapshotConnection is null)
        {
            (postgres, snapshotConnection) = PostgresScript.Start();
            log($"PostgreSQL (snapshots): started by scripts/pg-throwaway in {postgres}");
        }
        var spec = new ClusterSpec
        {
            NatsUrls = nats.Urls, Shards = shards, MdInput = mdInput, SplitBrainStrategy = splitBrainStrategy, Snapshots = snapshots, SnapshotConnection = snapshotConnection,
            Store = store is null ? null : Path.GetFullPath(store),
            Nodes = [.. Enumerable.Range(0, nodes).Select(i => new NodeSpec(i, LocalNatsServer.FreePort(), [EngineNode.ShardRole, EngineNode.CoordinatorRole]))],
        };
        spec.Validate();
        spec.Write(Path.Combine(work, ClusterSpec.FileName));
        if (postgres is not null) WriteProcesses(work, new ClusterProcesses([], [], postgres));
        await nats.StartAsync(cancellationToken).ConfigureAwait(false);
        var processes = new ClusterProcesses(nats.Pids, new int[nodes], postgres);
        WriteProcesses(work, processes);
        log($"NATS: 3 servers with JetStream at {string.Join(", ", spec.NatsUrls)}");
        await using (var connection = Connect(spec))
        {
            await connection.ConnectAsync().ConfigureAwait(false);
            await NatsServerCluster.EnsureStreamsAsync(connection, Subjects(spec), cancellationToken).ConfigureAwait(false);
        }
        log($"streams {MarketSubjects.MdStream} and {MarketSubjects.OutStream}: {spec.Replicas} replicas");
        for (int i = 0; i < nodes; i++) processes.Nodes[i] = StartNode(work, i, nodeCommand);
        WriteProcesses(work, processes);
        await WaitUntilUpAsync(work, spec, processes, cancellationToken).ConfigureAwait(false);
        log($"{nodes} engine node(s) up at {string.Join(", ", Enumerable.Range(0, nodes).Select(spec.Address))}; {shards} symbol shards; md input {mdInput}");
        return spec;
    }

    /// <summary>Starts engine node <paramref name="index"/> of the cluster in <paramref name="work"/> (again, after it was killed); returns its pid.</summary>
    public static int StartNode(string work, int index, string[] nodeCommand) =>
        Detached.Start(nodeCommand[0], [.. nodeCommand[1..], "cluster", "node", "--work", work, "--node", index.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            Path.Combine(work, $"node-{index}.log"));

    /// <summary>Stops what <see cref="UpAsync"/> started: the nodes gracefully (they leave the cluster), then the NATS servers.</summary>
    public static int Down(string work)
    {
        work = Path.GetFullPath(work);
        var processes = ReadProcesses(work) ?? throw new ArgumentException($"no cluster was started in {work} (no {ClusterProcesses.FileName})");
        int stopped = 0;
        foreach (var pid in processes.Nodes.Where(Detached.IsRunning))
        {
            Detached.Stop(pid, TimeSpan.FromSeconds(20));
            stopped++;
        }
        foreach (var pid in processes.NatsServers.Where(Detached.IsRunning))
        {
            Detached.Kill(pid);
            stopped++;
        }
        if (processes.Postgres is { } postgres && Directory.Exists(postgres))
        {
            PostgresScript.Stop(postgres);
            stopped++;
        }
        File.Delete(Path.Combine(work, ClusterProcesses.FileName));
        return stopped;
    }

    /// <summary>Asks every node for its view (bounded wait) and JetStream for each shard consumer's position.</summary>
    public static async Task<ClusterStatus> StatusAsync(string work, CancellationToken cancellationToken = default)
    {
        var spec = ClusterSpec.Read(Path.Combine(Path.GetFullPath(work), ClusterSpec.FileName));
        await using var connection = Connect(spec);
        await connection.ConnectAsync().ConfigureAwait(false);
        var nodes = await AskNodesAsync(connection, spec, cancellationToken).ConfigureAwait(false);
        var js = new NatsJSContext(connection);
        var shards = new ShardPlacement[spec.Shards];
        for (int k = 0; k < spec.Shards; k++)
        {
            ulong delivered = 0, lag = 0;
            // Partitioned input: the shard's two consumers (its partition, the control subjects); lag is what both still hold.
            string[] durables = spec.MdPartitioning() is null ? [$"sig-shard-{k}"] : [$"sig-shard-{k}-p", $"sig-shard-{k}-c"];
            foreach (var durable in durables)
            {
                try
                {
                    var consumer = await AwaitingLeaderAsync(ct => js.GetConsumerAsync(MarketSubjects.MdStream, durable, ct).AsTask(), cancellationToken).ConfigureAwait(false);
                    delivered = Math.Max(delivered, consumer.Info.Delivered.StreamSeq);
                    lag += consumer.Info.NumPending;
                }
                catch (NatsJSApiException) { /* not created yet */ }
            }
            var host = nodes.FirstOrDefault(n => n.Shards.Any(s => s.Shard == k));
            var running = host?.Shards.First(s => s.Shard == k);
            shards[k] = new ShardPlacement(k, host?.Node, delivered, lag, running?.Minute, running);
        }
        int? minute = null;
        string? digest = null;
        try
        {
            var stream = await AwaitingLeaderAsync(ct => js.GetStreamAsync(MarketSubjects.OutStream, cancellationToken: ct).AsTask(), cancellationToken).ConfigureAwait(false);
            if (await AwaitingLeaderAsync(ct => StoredMessages.GetLastAsync(stream, Subjects(spec).Digest, ct), cancellationToken).ConfigureAwait(false) is { } last)
            {
                using var doc = JsonDocument.Parse(last.Data);
                minute = doc.RootElement.GetProperty("minute").GetInt32();
                digest = doc.RootElement.GetProperty("digest").GetString();
            }
        }
        catch (NatsJSApiException) { /* no SIG_OUT yet */ }
        return new ClusterStatus(spec, nodes, shards, minute, digest);
    }

    /// <summary>How long status waits for JetStream to answer about a stream or consumer whose leader is being elected.</summary>
    public static readonly TimeSpan LeaderElectionWait = TimeSpan.FromSeconds(30);

    // Right after a nats-server of the cluster is lost, the streams and consumers it led elect new leaders: until then
    // their info requests get no answer (NatsJSApiNoResponseException after the client's request timeout). Status asks
    // again until one answers or LeaderElectionWait has passed, then lets the last failure out.
    private static async Task<T> AwaitingLeaderAsync<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew(); // wall-clock ok: a bound on a status request's retries
        while (true)
        {
            try
            {
                return await request(cancellationToken).ConfigureAwait(false);
            }
            catch (NatsJSApiNoResponseException) when (waited.Elapsed < LeaderElectionWait)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false); // wall-clock ok: pause between retries
            }
        }
    }

    /// <summary>Each node's answer to one status request, waiting until all answered or 2 s passed.</summary>
    public static async Task<NodeStatus[]> AskNodesAsync(NatsConnection connection, ClusterSpec spec, CancellationToken cancellationToken = default)
    {
        var answers = new List<NodeStatus>();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(2)); // wall-clock ok: how long a status request collects answers
        string inbox = connection.NewInbox();
        await using var sub = await connection.SubscribeCoreAsync<byte[]>(inbox, cancellationToken: wait.Token).ConfigureAwait(false);
        await connection.PublishAsync(EngineNode.StatusSubject(spec.Prefix), Array.Empty<byte>(), replyTo: inbox, cancellationToken: wait.Token).ConfigureAwait(false);
        try
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync(wait.Token).ConfigureAwait(false))
            {
                if (msg.Data is { } data && JsonSerializer.Deserialize<NodeStatus>(data, EngineNode.StatusJson) is { } status) answers.Add(status);
                if (answers.Count == spec.Nodes.Length) break;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { /* the nodes that did not answer are down */ }
        return [.. answers.OrderBy(a => a.Node)];
    }

    /// <summary>The NATS client of a cluster (every server's URL).</summary>
    public static NatsConnection Connect(ClusterSpec spec, string name = "sig-cluster-cli") =>
        new(NatsClientSettings.Defaults(string.Join(",", spec.NatsUrls), name));

    /// <summary>The subjects of a cluster (its prefix, its replicas).</summary>
    public static MarketSubjects Subjects(ClusterSpec spec) => new(spec.Prefix) { Replicas = spec.Replicas };

    private static async Task WaitUntilUpAsync(string work, ClusterSpec spec, ClusterProcesses processes, CancellationToken cancellationToken)
    {
        await using var connection = Connect(spec, "sig-cluster-up");
        await connection.ConnectAsync().ConfigureAwait(false);
        var watch = Stopwatch.StartNew(); // wall-clock ok: a start-up deadline
        while (true)
        {
            for (int i = 0; i < processes.Nodes.Length; i++)
                if (!Detached.IsRunning(processes.Nodes[i]))
                    throw new InvalidOperationException($"engine node {i} exited; see {Path.Combine(work, $"node-{i}.log")}");
            var nodes = await AskNodesAsync(connection, spec, cancellationToken).ConfigureAwait(false);
            if (nodes.Length == spec.Nodes.Length && nodes.All(n => n.Members.Count(m => m.Status == "Up") == spec.Nodes.Length)
                && nodes.Sum(n => n.Shards.Length) == spec.Shards) return;
            if (watch.Elapsed > UpTimeout) throw new TimeoutException($"the cluster did not come up within {UpTimeout.TotalSeconds} s; logs in {work}");
            await Task.Delay(200, cancellationToken).ConfigureAwait(false); // wall-clock ok: polling starting processes
        }
    }

    private static ClusterProcesses? ReadProcesses(string work)
    {
        string path = Path.Combine(work, ClusterProcesses.FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<ClusterProcesses>(File.ReadAllText(path), EngineNode.StatusJson) : null;
    }

    /// <summary>Records the processes (atomically) so that `down` finds them.</summary>
    public static void WriteProcesses(string work, ClusterProcesses processes)
    {
        string path = Path.Combine(work, ClusterProcesses.FileName), tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(processes, EngineNode.StatusJson));
        File.Move(tmp, path, overwrite: true);
    }
}
