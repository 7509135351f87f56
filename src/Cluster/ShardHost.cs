using NATS.Client.Core;
using Sig.Engine.Config;
using Sig.Engine.Nats;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Cluster;

/// <summary>What the actors of one engine node share: the cluster's work directory (shard journals, shared by the nodes of one machine), NATS, the configuration and the compute backend.</summary>
public sealed class ShardHost
{
    /// <summary>The cluster's directory: <c>shards/shard-k</c> journals and <c>cluster.id</c>.</summary>
    public required string WorkDirectory { get; init; }
    /// <summary>Client options of the JetStream cluster (every server's URL).</summary>
    public required NatsOpts Nats { get; init; }
    /// <summary>Subjects and stream replicas.</summary>
    public required MarketSubjects Subjects { get; init; }
    /// <summary>The engine configuration (big orders, live limits, journal).</summary>
    public required EngineConfig Config { get; init; }
    /// <summary>Computes the shards' rows (safe to call from several shards at once).</summary>
    public required IComputeBackend Backend { get; init; }
    /// <summary>Number of symbol shards (entities), fixed for the life of a cluster.</summary>
    public required int Shards { get; init; }
    /// <summary>
    /// The partitioned md input (K partitions = the K shards; the nats-servers map the row subjects),
    /// or null for the whole-stream input (every shard reads the whole stream). docs/cluster.md.
    /// </summary>
    public MdPartitions? MdPartitions { get; init; }
    /// <summary>Where the shards persist their cuts (null: off); shared by the shards of this node.</summary>
    public Sig.Actors.Persistence.IPipelineSnapshotStore? Snapshots { get; init; }
    /// <summary>
    /// The feature store the cross-section singleton writes the close into (daily factors and, as
    /// an <see cref="Sig.Factors.Daily.IDailyBarSink"/>, the adjusted daily bars), or null. Every
    /// coordinator node opens the same store; only the node holding the singleton writes.
    /// </summary>
    public Sig.Factors.Output.IDailyFactorSink? DailyStore { get; init; }
    /// <summary>The close stages (inference, optimizer) the singleton runs after writing the close, in order (the single-process wiring).</summary>
    public IReadOnlyList<Sig.Actors.Pipeline.ICloseStage> CloseStages { get; init; } = [];
    /// <summary>
    /// Fault injection for tests: called on the singleton with each minute after the close stages
    /// ran and before the minute is published; throwing there crashes the singleton at that point
    /// (Akka restarts it, as a node loss would start it elsewhere). Null in every real run.
    /// </summary>
    public Action<Sig.Actors.Pipeline.MinuteOutput>? BeforePublish { get; init; }
    /// <summary>One line of log.</summary>
    public Action<string> Log { get; init; } = _ => { };

    /// <summary>
    /// The cluster's identity in the outputs' Nats-Msg-Ids and in the shards' persistence ids (16 hex
    /// characters, created once in <c>cluster.id</c>), so a singleton that moved republishes a minute
    /// under the same ids and a moved or restarted shard finds its cuts. Every node and every shard of a
    /// node must see the same value: the first use creates the file, concurrent ones read it.
    /// </summary>
    public string ClusterId
    {
        get { lock (_idGate) return _clusterId ??= ReadOrCreateId(Path.Combine(WorkDirectory, "cluster.id")); }
    }

    private readonly object _idGate = new();
    private string? _clusterId;

    /// <summary>
    /// Reads <paramref name="path"/>, or creates it with a new id when it does not exist. Creation is one
    /// exclusive create (O_CREAT|O_EXCL): of the nodes (processes) starting at once exactly one creates it
    /// and the others read its id. (The temporary file renamed "without overwrite" that was here let two
    /// ids live: nodes and shards starting at once each kept the id they wrote, and the shards that used
    /// the other id persisted their cuts where no restarting shard looked.)
    /// </summary>
    private static string ReadOrCreateId(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string mine = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..IdLength];
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            file.Write(System.Text.Encoding.ASCII.GetBytes(mine));
            return mine;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another node created it first: theirs stands (read below, once its creator has written it).
        }
        for (int attempt = 0; ; attempt++)
        {
            string id = "";
            try { id = File.ReadAllText(path).Trim(); }
            catch (IOException) when (attempt < 500) { }
            if (id.Length == IdLength) return id;
            if (attempt >= 500) throw new InvalidDataException($"{path} holds '{id}', not a cluster id of {IdLength} hex characters");
            Thread.Sleep(10); // wall-clock ok: waits for the creating node's write of the id; never shapes outputs
        }
    }

    private const int IdLength = 16;
}
