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
    /// The cluster's identity in the outputs' Nats-Msg-Ids (16 hex characters, created once in
    /// <c>cluster.id</c>), so a singleton that moved republishes a minute under the same ids.
    /// </summary>
    public string ClusterId => _clusterId ??= ReadOrCreateId(Path.Combine(WorkDirectory, "cluster.id"));

    private string? _clusterId;

    private static string ReadOrCreateId(string path)
    {
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..16];
        string tmp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(tmp, id);
        try { File.Move(tmp, path, overwrite: false); }
        catch (IOException) { File.Delete(tmp); } // another node created it first: theirs stands
        return File.ReadAllText(path).Trim();
    }
}
