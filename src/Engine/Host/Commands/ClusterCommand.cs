using System.CommandLine;
using System.Runtime.InteropServices;
using Sig.Cluster;
using Sig.Cluster.Local;
using Sig.Engine.Nats;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine cluster up|down|status|node`: the engine scaled out on Akka.Cluster.Sharding with
/// JetStream as the data plane (docs/cluster.md). `up` starts a 3-server JetStream cluster and N
/// engine nodes on loopback under a work directory, `down` stops them, `status` shows members,
/// shard placement and lag per shard, `node` runs one engine node (what `up` starts).
/// </summary>
public sealed class ClusterCommand : ICliCommand
{
    public Command Build()
    {
        var cmd = new Command("cluster", "Run the engine as a cluster: symbol shards on Akka.Cluster.Sharding, NATS JetStream (R3) as the data plane");
        cmd.Subcommands.Add(Up());
        cmd.Subcommands.Add(Down());
        cmd.Subcommands.Add(Status());
        cmd.Subcommands.Add(Node());
        return cmd;
    }

    /// <summary>`--md-input whole|partitioned` (docs/cluster.md, "Partitioned md input").</summary>
    internal static Option<string> MdInputOption()
    {
        var option = new Option<string>("--md-input")
        {
            Description = "How shards read SIG_MD: whole (every shard reads the whole stream) | partitioned (the servers map row subjects into one partition per shard)",
            DefaultValueFactory = _ => "whole",
        };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } v && !ClusterSpec.MdInputs.Contains(v)) r.AddError($"--md-input must be whole or partitioned, not '{v}'");
        });
        return option;
    }

    private static Option<string> WorkOption() => new("--work") { Description = "The cluster's work directory (cluster.json, logs, shard journals)", Required = true };

    private static Command Up()
    {
        var work = WorkOption();
        var nodes = new Option<int>("--nodes") { Description = "Engine nodes", DefaultValueFactory = _ => 3 };
        var shards = new Option<int>("--shards") { Description = "Symbol shards (fixed for the life of the cluster)", DefaultValueFactory = _ => 6 };
        var sbr = new Option<string>("--split-brain") { Description = $"Split-brain resolver strategy: {string.Join(" | ", ClusterSpec.Strategies)}", DefaultValueFactory = _ => "keep-majority" };
        var store = new Option<string?>("--store") { Description = "Feature store directory (features.db): the singleton writes the close into it and runs the configured close stages (inference, optimizer) on it" };
        var snapshots = new Option<string>("--snapshots")
        {
            Description = "Where shards persist their cuts: postgresql (a throwaway PostgreSQL started by scripts/pg-throwaway, stopped by down) | sqlite | off",
            DefaultValueFactory = _ => "postgresql",
        };
        var mdInput = MdInputOption();
        var cmd = new Command("up", "Start a 3-server nats-server JetStream cluster (R3 streams SIG_MD, SIG_OUT) and N engine nodes on loopback") { work, nodes, shards, sbr, snapshots, store, mdInput };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(nodes), k = parse.GetValue(shards);
            if (n < 1) throw new ArgumentException($"--nodes must be ≥ 1, not {n}");
            if (k < 1) throw new ArgumentException($"--shards must be ≥ 1, not {k}");
            string w = Path.GetFullPath(parse.GetValue(work)!);
            var spec = LocalCluster.UpAsync(w, n, k, parse.GetValue(sbr)!, NodeCommand(parse), Console.WriteLine,
                snapshots: parse.GetValue(snapshots)!, store: parse.GetValue(store), mdInput: parse.GetValue(mdInput)!).GetAwaiter().GetResult();
            Console.WriteLine($"feed it: engine feed --store DIR --date D --nats {string.Join(",", spec.NatsUrls)} --replicas {spec.Replicas}");
            Console.WriteLine($"stop it: engine cluster down --work {w}");
            return 0;
        });
        return cmd;
    }

    private static Command Down()
    {
        var work = WorkOption();
        var cmd = new Command("down", "Stop the engine nodes (they leave the cluster), the NATS servers and the PostgreSQL `cluster up` started") { work };
        cmd.SetAction(parse =>
        {
            int stopped = LocalCluster.Down(parse.GetValue(work)!);
            Console.WriteLine($"stopped {stopped} process(es)");
            return 0;
        });
        return cmd;
    }

    private static Command Status()
    {
        var work = WorkOption();
        var cmd = new Command("status", "Members, shard placement and lag per shard, the last published minute") { work };
        cmd.SetAction(parse =>
        {
            var status = LocalCluster.StatusAsync(parse.GetValue(work)!).GetAwaiter().GetResult();
            Print(status);
            return status.Nodes.Length == status.Spec.Nodes.Length ? 0 : 1;
        });
        return cmd;
    }

    private static Command Node()
    {
        var work = WorkOption();
        var node = new Option<int>("--node") { Description = "This node's index in cluster.json", Required = true };
        var cmd = new Command("node", "Run one engine node of the cluster in --work (until SIGTERM)") { work, node };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            string w = Path.GetFullPath(parse.GetValue(work)!);
            var spec = ClusterSpec.Read(Path.Combine(w, ClusterSpec.FileName));
            int index = parse.GetValue(node);
            if (index < 0 || index >= spec.Nodes.Length) throw new ArgumentException($"--node {index}: the cluster has nodes 0..{spec.Nodes.Length - 1}");
            using var backend = StoreReplay.Backend(config);
            // The close as `engine live --store` runs it: the same store and close stages (built on every coordinator node; the singleton's node uses them).
            string? db = spec.Store is { } dir ? Path.Combine(dir, "features.db") : null;
            if (db is not null) Directory.CreateDirectory(Path.GetDirectoryName(db)!);
            using var features = db is null ? null : new Sig.Data.Features.SqliteFeatureStore(db);
            var stages = CloseStageWiring.For(config, db, Console.Out);
            using var owned = CloseStageWiring.Own(stages);
            using var stop = new CancellationTokenSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            var snapshots = Sig.Cluster.Sharding.ShardSnapshots.OpenStore(spec, config, w);
            var host = new ShardHost
            {
                WorkDirectory = w, Nats = NatsClientSettings.From(config.Nats, string.Join(",", spec.NatsUrls), $"sig-node-{index}"),
                Subjects = LocalCluster.Subjects(spec), Config = config, Backend = backend, Shards = spec.Shards, Snapshots = snapshots,
                MdPartitions = spec.MdPartitioning(), DailyStore = features, CloseStages = stages,
                Log = line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"), // wall-clock ok: log timestamps only
            };
            try
            {
                if (snapshots is not null) host.Log($"node {index}: shard cuts persist to {snapshots.Description} every {config.Persistence.EveryMinutes} minutes");
                Run(spec, index, host, stop.Token).GetAwaiter().GetResult();
            }
            finally
            {
                snapshots?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            return 0;
        });
        return cmd;
    }

    private static async Task Run(ClusterSpec spec, int index, ShardHost host, CancellationToken stop)
    {
        await using var node = await EngineNode.StartAsync(spec, index, host);
        try { await Task.Delay(Timeout.Infinite, stop); }
        catch (OperationCanceledException) { host.Log($"node {index}: leaving the cluster"); }
    }

    /// <summary>How `up` starts a node: this same engine binary.</summary>
    private static string[] NodeCommand(ParseResult parse)
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string[] command = Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, typeof(ClusterCommand).Assembly.Location] : [process];
        return parse.GetValue(Cli.ConfigOption) is { } config ? [.. command, "--config", config.FullName] : command;
    }

    private static void Print(ClusterStatus status)
    {
        var spec = status.Spec;
        Console.WriteLine($"cluster: {spec.Nodes.Length} node(s), {spec.Shards} shard(s), split-brain resolver {spec.SplitBrainStrategy}, NATS {string.Join(",", spec.NatsUrls)} (R{spec.Replicas}), snapshots {spec.Snapshots}, md input {spec.MdInput}");
        Console.WriteLine($"nodes answering: {status.Nodes.Length} of {spec.Nodes.Length}");
        var view = status.Nodes.FirstOrDefault();
        var members = new Table().AddColumns("member", "status", "roles", "reachable", "singleton");
        foreach (var m in view?.Members ?? [])
            members.AddRow(Markup.Escape(m.Address), m.Status, string.Join(",", m.Roles), m.Unreachable ? "[red]no[/]" : "yes",
                status.Nodes.Any(n => n.Singleton && n.Address == m.Address) ? "yes" : "");
        AnsiConsole.Write(members);
        var shards = new Table().AddColumns("shard", "node", "delivered seq", "lag (msgs)", "minute", "started from", "cuts saved");
        foreach (var s in status.Shards)
            shards.AddRow(s.Shard.ToString(), s.Node?.ToString() ?? "[red]none[/]", s.Delivered.ToString(), s.Lag.ToString(), s.Minute?.ToString() ?? "-",
                Markup.Escape(s.Recovery), s.Start?.CutsSaved.ToString() ?? "-");
        AnsiConsole.Write(shards);
        Console.WriteLine(status.PublishedMinute is { } minute ? $"SIG_OUT: through minute {minute}, digest {status.PublishedDigest}" : "SIG_OUT: nothing published yet");
    }
}
