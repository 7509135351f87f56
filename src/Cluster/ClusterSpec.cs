using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sig.Cluster;

/// <summary>One engine node of a cluster: its index, Akka.Remote port and roles.</summary>
/// <param name="Index">0-based node number.</param>
/// <param name="Port">Akka.Remote TCP port on <see cref="ClusterSpec.Host"/>.</param>
/// <param name="Roles"><c>shard</c> (hosts symbol shards) and/or <c>coordinator</c> (may host the cross-section singleton).</param>
public sealed record NodeSpec(int Index, int Port, string[] Roles);

/// <summary>
/// A cluster's configuration (the <c>cluster.json</c> file `engine cluster up` writes and every
/// node reads): the NATS servers, the nodes with their ports and roles, the seed nodes, the
/// split-brain resolver strategy and the number of symbol shards. docs/cluster.md describes it.
/// </summary>
public sealed record ClusterSpec
{
    /// <summary>The file name in the cluster's work directory.</summary>
    public const string FileName = "cluster.json";

    /// <summary>The split-brain resolver strategies Akka.Cluster offers (lease-majority needs a lease, not configured here).</summary>
    public static readonly string[] Strategies = ["keep-majority", "static-quorum", "keep-oldest", "keep-referee", "down-all"];

    /// <summary>The actor system's name (part of every node address).</summary>
    public string SystemName { get; init; } = "sig-engine";
    /// <summary>The interface the nodes bind (loopback for a local cluster).</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>The JetStream cluster's client URLs.</summary>
    public required string[] NatsUrls { get; init; }
    /// <summary>Subject prefix.</summary>
    public string Prefix { get; init; } = "sig";
    /// <summary>Replicas of SIG_MD and SIG_OUT.</summary>
    public int Replicas { get; init; } = 3;
    /// <summary>Symbol shards (entities); fixed for the life of the cluster (the journals are per shard).</summary>
    public int Shards { get; init; } = 6;
    /// <summary>
    /// How the shards read SIG_MD: <c>whole</c> (every shard consumes the whole stream and applies its
    /// symbol range) or <c>partitioned</c> (the nats-servers map the row subjects into K partitions, one
    /// per shard; each shard consumes its partition and the control messages). docs/cluster.md.
    /// </summary>
    public string MdInput { get; init; } = "whole";
    /// <summary>The md input modes.</summary>
    public static readonly string[] MdInputs = ["whole", "partitioned"];
    /// <summary>The partitioning of the md input (K partitions = K shards), or null for the whole stream.</summary>
    public Sig.Engine.Nats.MdPartitions? MdPartitioning() => MdInput == "partitioned" ? new Sig.Engine.Nats.MdPartitions(Shards, Prefix) : null;
    /// <summary>Split-brain resolver strategy (one of <see cref="Strategies"/>).</summary>
    public string SplitBrainStrategy { get; init; } = "keep-majority";
    /// <summary>Seed nodes, as node indices (the first is the one a new cluster forms around).</summary>
    public int[] SeedNodes { get; init; } = [0];
    /// <summary>The nodes.</summary>
    public required NodeSpec[] Nodes { get; init; }
    /// <summary>
    /// Where the shards persist their cuts (Akka.Persistence.Sql): <c>postgresql</c> (the multi-node store),
    /// <c>sqlite</c> (<c>&lt;work&gt;/shards/snapshots.db</c>, the nodes of one machine) or <c>off</c> (a moved
    /// shard replays its journal from the day start).
    /// </summary>
    public string Snapshots { get; init; } = "off";
    /// <summary>The PostgreSQL connection string (Npgsql); null: the engine configuration's or <c>SIG_PERSISTENCE_CONNECTION</c>.</summary>
    public string? SnapshotConnection { get; init; }
    /// <summary>
    /// The feature store directory (its <c>features.db</c>) the cross-section singleton writes the
    /// close into and the close stages read; null: no store, no close stages. Shared by the nodes.
    /// </summary>
    public string? Store { get; init; }

    /// <summary>The Akka address of node <paramref name="index"/>.</summary>
    public string Address(int index) => $"akka.tcp://{SystemName}@{Host}:{Nodes[index].Port}";

    /// <summary>Checks the values a node cannot run with; one message naming the field.</summary>
    public void Validate()
    {
        if (NatsUrls.Length == 0) throw new ArgumentException("cluster: natsUrls is empty");
        if (Shards < 1) throw new ArgumentException($"cluster: shards must be ≥ 1, not {Shards}");
        if (Replicas < 1) throw new ArgumentException($"cluster: replicas must be ≥ 1, not {Replicas}");
        if (!Strategies.Contains(SplitBrainStrategy))
            throw new ArgumentException($"cluster: splitBrainStrategy '{SplitBrainStrategy}' is none of {string.Join(", ", Strategies)}");
        if (!MdInputs.Contains(MdInput))
            throw new ArgumentException($"cluster: mdInput must be whole or partitioned, not '{MdInput}'");
        if (Snapshots is not ("postgresql" or "sqlite" or "off"))
            throw new ArgumentException($"cluster: snapshots must be postgresql, sqlite or off, not '{Snapshots}'");
        if (Nodes.Length == 0) throw new ArgumentException("cluster: no nodes");
        for (int i = 0; i < Nodes.Length; i++)
        {
            if (Nodes[i].Index != i) throw new ArgumentException($"cluster: nodes[{i}] has index {Nodes[i].Index}");
            foreach (var r in Nodes[i].Roles)
                if (r is not (EngineNode.ShardRole or EngineNode.CoordinatorRole)) throw new ArgumentException($"cluster: node {i}: unknown role '{r}'");
        }
        if (!Nodes.Any(n => n.Roles.Contains(EngineNode.ShardRole))) throw new ArgumentException("cluster: no node has the shard role");
        if (!Nodes.Any(n => n.Roles.Contains(EngineNode.CoordinatorRole))) throw new ArgumentException("cluster: no node has the coordinator role");
        if (SeedNodes.Length == 0 || SeedNodes.Any(s => s < 0 || s >= Nodes.Length)) throw new ArgumentException("cluster: seedNodes must name nodes");
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads and validates a cluster file; a bad file is one message naming it.</summary>
    public static ClusterSpec Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no cluster configuration at {path}");
        ClusterSpec? spec;
        try { spec = JsonSerializer.Deserialize<ClusterSpec>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new ArgumentException($"{path}: {e.Message}"); }
        if (spec is null) throw new ArgumentException($"{path}: empty");
        spec.Validate();
        return spec;
    }

    /// <summary>Writes the file (atomically).</summary>
    public void Write(string path)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, path, overwrite: true);
    }
}
