using System.CommandLine;
using System.Diagnostics;
using NATS.Client.Core;
using Sig.Cluster;
using Sig.Cluster.Local;
using Sig.Engine.Nats;
using Sig.Replay.Feed;
using Sig.Replay.Generator;
using Sig.Replay.Store;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench cluster --nodes 1|2|3`: a generated day is fed into SIG_MD of a 3-server
/// JetStream cluster (R3) first, then N engine node processes start and consume it; reported
/// are the wall time to the close digest in SIG_OUT, per shard and per node the live event rates
/// (whole input: every shard parses the whole stream and applies its range; partitioned: its partition), each node process's CPU time per
/// stream event once its shards read live input (its start-up left out), and the singleton's
/// merge cost per minute. All processes share this machine's cores: compare per-node rates, the
/// CPU cost per event and the merge overhead, not a speed-up (docs/cluster.md, "Capacity").
/// </summary>
public sealed class BenchClusterCommand : IBenchCommand
{
    public Command Build()
    {
        var nodes = new Option<int>("--nodes") { Description = "Engine node processes", DefaultValueFactory = _ => 1 };
        // One shard per node by default: every shard parses the whole stream (unfiltered consumers), so a second shard on a node doubles its parsing.
        var shards = new Option<int>("--shards") { Description = "Symbol shards (default: one per node)" };
        var stocks = new Option<int>("--stocks") { Description = "Symbols", DefaultValueFactory = _ => 200 };
        var events = new Option<int>("--events-per-stock-day") { Description = "Events per symbol-day", DefaultValueFactory = _ => 3000 };
        var mdInput = ClusterCommand.MdInputOption();
        var cmd = new Command("cluster", "Cluster: N engine nodes consume a pre-fed day from an R3 SIG_MD; per-node event rates and merge overhead") { nodes, shards, stocks, events, mdInput };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(nodes), s = parse.GetValue(shards) is > 0 and var given ? given : Math.Max(1, n);
            if (n < 1) throw new ArgumentException($"--nodes must be ≥ 1, not {n}");
            return Run(n, s, parse.GetValue(stocks), parse.GetValue(events), parse.GetValue(mdInput)!, parse.GetValue(Cli.ConfigOption)).GetAwaiter().GetResult();
        });
        return cmd;
    }

    /// <summary>User + system CPU time of process <paramref name="pid"/> (zero once it is gone).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.TotalProcessorTime;
        }
        catch (ArgumentException) { return TimeSpan.Zero; }
        catch (InvalidOperationException) { return TimeSpan.Zero; }
    }

    private static async Task<int> Run(int nodes, int shards, int stocks, int events, string mdInput, FileInfo? config)
    {
        string root = Directory.CreateTempSubdirectory("sig-bench-cluster-").FullName, work = Path.Combine(root, "work");
        Directory.CreateDirectory(work);
        var nats = new NatsServerCluster(Path.Combine(work, "nats"), 3, mdInput == "partitioned" ? new MdPartitions(shards) : null);
        var processes = new ClusterProcesses(nats.Pids, new int[nodes]);
        try
        {
            Console.WriteLine($"machine: {BenchReport.Machine()}; {nodes} node(s), {shards} shard(s), md input {mdInput}, {stocks} symbols × {events} events, all on this machine");
            string store = Path.Combine(root, "store");
            using (var sink = new TickStoreWriter(store))
                new MarketGenerator(new GeneratorSettings { Stocks = stocks, Days = 1, EventsPerStockDay = events, Seed = 7 }).Generate(sink);
            var ticks = TickStore.Open(store);
            await nats.StartAsync();
            var spec = new ClusterSpec
            {
                NatsUrls = nats.Urls, Shards = shards, MdInput = mdInput,
                Nodes = [.. Enumerable.Range(0, nodes).Select(i => new NodeSpec(i, LocalNatsServer.FreePort(), [EngineNode.ShardRole, EngineNode.CoordinatorRole]))],
            };
            spec.Write(Path.Combine(work, ClusterSpec.FileName));
            LocalCluster.WriteProcesses(work, processes);
            await using var connection = LocalCluster.Connect(spec, "sig-bench-cluster");
            await connection.ConnectAsync();
            var subjects = LocalCluster.Subjects(spec);
            await NatsServerCluster.EnsureStreamsAsync(connection, subjects);
            using var day = ticks.OpenDay(ticks.Dates[0]);
            var fed = await new DayFeedPublisher(connection, subjects).PublishAsync(DayFeedPlan.For(day, 1, subjects: subjects));
            Console.WriteLine($"fed {fed.Events:N0} events in {fed.Messages:N0} messages into SIG_MD (R3) in {fed.Elapsed.TotalSeconds:N1} s (not measured below)");

            var watch = Stopwatch.StartNew(); // wall-clock ok: benchmark timing
            string[] command = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
                ? [p, typeof(BenchClusterCommand).Assembly.Location] : [Environment.ProcessPath!];
            if (config is not null) command = [.. command, "--config", config.FullName];
            for (int i = 0; i < nodes; i++) processes.Nodes[i] = LocalCluster.StartNode(work, i, command);
            LocalCluster.WriteProcesses(work, processes);
            NodeStatus[] status;
            // A node's CPU time when its shards first report live input: its start-up (runtime, Akka, joining), left out of the per-event cost.
            var startCpu = new TimeSpan?[nodes];
            while (true)
            {
                status = await LocalCluster.AskNodesAsync(connection, spec);
                foreach (var node in status)
                    if (startCpu[node.Node] is null && node.Shards.Length > 0 && node.Shards.All(x => x.StreamEvents > 0)) startCpu[node.Node] = CpuTime(processes.Nodes[node.Node]);
                var singleton = status.FirstOrDefault(x => x.Singleton);
                if (singleton?.Published?.Contains(" minute 240 ", StringComparison.Ordinal) == true) break;
                if (watch.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException($"no close digest within 10 minutes; logs in {work}");
                for (int i = 0; i < nodes; i++)
                    if (!Detached.IsRunning(processes.Nodes[i])) throw new InvalidOperationException($"node {i} exited; see {Path.Combine(work, $"node-{i}.log")}");
                await Task.Delay(100);
            }
            double wall = watch.Elapsed.TotalSeconds;
            var endCpu = processes.Nodes.Select(CpuTime).ToArray();
            Console.WriteLine($"start of {nodes} node(s) to the close digest in SIG_OUT: {wall:N1} s (includes joining the cluster and starting the shards)");
            long streamEvents = fed.Events;
            foreach (var node in status.OrderBy(x => x.Node))
            {
                double rate = node.Shards.Sum(x => x.LiveSeconds > 0 ? x.StreamEvents / x.LiveSeconds : 0);
                long parsed = node.Shards.Sum(x => x.StreamEvents), applied = node.Shards.Sum(x => x.Applied);
                Console.WriteLine($"node {node.Node}: {node.Shards.Length} shard(s), {applied:N0} events applied, stream events parsed {rate:N0}/s summed over its shards{(node.Singleton ? " [singleton]" : "")}");
                if (startCpu[node.Node] is { } from && parsed > 0)
                {
                    double cpu = (endCpu[node.Node] - from).TotalSeconds;
                    Console.WriteLine($"  CPU after start-up: {cpu:N2} s = {cpu * 1e6 / streamEvents:N2} µs per stream event (of the {streamEvents:N0} in the stream), "
                        + $"{cpu * 1e6 / parsed:N2} µs per event parsed ({parsed:N0}), {cpu * 1e6 / Math.Max(1, applied):N2} µs per event applied; start-up {from.TotalSeconds:N2} s");
                }
                foreach (var x in node.Shards)
                    Console.WriteLine($"  shard {x.Shard}: {x.StreamEvents:N0} stream events in {x.LiveSeconds:N2} s = {(x.LiveSeconds > 0 ? x.StreamEvents / x.LiveSeconds : 0):N0}/s parsed, {x.Applied:N0} applied (its symbols)");
            }
            Console.WriteLine($"stream: {streamEvents:N0} events; parsed {status.Sum(n => n.Shards.Sum(x => x.StreamEvents)) / (double)Math.Max(1, streamEvents):N1}× over the cluster (whole input: once per shard; partitioned: once)");
            var merges = status.Single(x => x.Singleton).MergeMillis;
            Console.WriteLine($"merge (singleton: join, payloads, digest, publish to SIG_OUT) per minute: p50 / p99 {BenchReport.P50P99(merges)}, total {merges.Sum() / 1000:N2} s for {merges.Length} minutes");
            Console.WriteLine($"output digest: {status.Single(x => x.Singleton).Published!.Split(' ')[^1]}");
            return 0;
        }
        finally
        {
            LocalCluster.Down(work);
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }
}
