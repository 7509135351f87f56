using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using NATS.Client.Core;
using Sig.Cluster.Merge;
using Sig.Cluster.Sharding;

namespace Sig.Cluster;

/// <summary>
/// One engine process of a cluster: an Akka.Cluster member (Akka.Remote on the node's port,
/// seed nodes, roles and split-brain resolver from the <see cref="ClusterSpec"/>) that hosts
/// symbol shard entities (role <c>shard</c>, Akka.Cluster.Sharding with remember-entities: a
/// lost node's shards restart elsewhere) and may host the cross-section singleton (role
/// <c>coordinator</c>). Answers <c>&lt;prefix&gt;.cluster.status</c> requests with its view.
/// </summary>
public sealed class EngineNode : IAsyncDisposable
{
    /// <summary>The role of nodes that host symbol shards.</summary>
    public const string ShardRole = "shard";
    /// <summary>The role of nodes that may host the cross-section singleton.</summary>
    public const string CoordinatorRole = "coordinator";
    /// <summary>The sharded entity type.</summary>
    public const string TypeName = "symbol-shard";

    private readonly ClusterSpec _spec;
    private readonly ShardHost _host;
    private readonly NatsConnection _status;
    private Task? _answering;
    private readonly CancellationTokenSource _stop = new();

    private EngineNode(ClusterSpec spec, int index, ShardHost host, ActorSystem system)
    {
        _spec = spec;
        _host = host;
        Index = index;
        System = system;
        _status = new NatsConnection(host.Nats with { Name = $"sig-node-{index}-status" });
    }

    /// <summary>This node's index in the spec.</summary>
    public int Index { get; }

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The HOCON of node <paramref name="index"/>.</summary>
    public static Config AkkaConfig(ClusterSpec spec, int index)
    {
        var node = spec.Nodes[index];
        string seeds = string.Join(", ", spec.SeedNodes.Select(s => $"\"{spec.Address(s)}\""));
        string roles = string.Join(", ", node.Roles.Select(r => $"\"{r}\""));
        return ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = WARNING
              stdout-loglevel = WARNING
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor {
                provider = cluster
                serializers { sig = "Sig.Cluster.ClusterMessageSerializer, Sig.Cluster" }
                serialization-bindings { "Sig.Cluster.IClusterMessage, Sig.Cluster" = sig }
              }
              # A shard's rows of a minute are ~230 bytes a symbol (1,250 symbols: ~290 kB, the close with bars and
              # reference rows more): above Akka.Remote's 128 kB default frame, which would drop them.
              remote.dot-netty.tcp {
                hostname = "{{spec.Host}}", port = {{node.Port}}
                maximum-frame-size = 33554432b
                send-buffer-size = 4194304b
                receive-buffer-size = 4194304b
              }
              cluster {
                seed-nodes = [{{seeds}}]
                roles = [{{roles}}]
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = {{spec.SplitBrainStrategy}}
                  stable-after = 5s
                  keep-oldest.role = "{{CoordinatorRole}}"
                  static-quorum.quorum-size = {{spec.Nodes.Length / 2 + 1}}
                  keep-referee.address = "{{spec.Address(spec.SeedNodes[0])}}"
                }
                sharding {
                  role = "{{ShardRole}}"
                  remember-entities = on
                  state-store-mode = ddata
                  remember-entities-store = ddata
                  distributed-data.durable.keys = []
                }
              }
            }
            """);
    }

    /// <summary>Starts node <paramref name="index"/>: joins the cluster, starts the shard region and the singleton, then the shards.</summary>
    public static async Task<EngineNode> StartAsync(ClusterSpec spec, int index, ShardHost host)
    {
        spec.Validate();
        var system = ActorSystem.Create(spec.SystemName, AkkaConfig(spec, index));
        var node = new EngineNode(spec, index, host, system);
        var roles = spec.Nodes[index].Roles;
        system.ActorOf(ClusterSingletonManager.Props(Props.Create(() => new CrossSectionSingleton(host)), PoisonPill.Instance,
            ClusterSingletonManagerSettings.Create(system).WithRole(CoordinatorRole)), "cross-section");
        var singleton = system.ActorOf(ClusterSingletonProxy.Props("/user/cross-section",
            ClusterSingletonProxySettings.Create(system).WithRole(CoordinatorRole)), "cross-section-proxy");
        var sharding = ClusterSharding.Get(system);
        var extractor = new ShardExtractor();
        IActorRef region = roles.Contains(ShardRole)
            ? await sharding.StartAsync(TypeName, _ => Props.Create(() => new SymbolShardEntity(host, singleton)),
                ClusterShardingSettings.Create(system).WithRole(ShardRole).WithRememberEntities(true), extractor).ConfigureAwait(false)
            : await sharding.StartProxyAsync(TypeName, ShardRole, extractor).ConfigureAwait(false);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false); // wall-clock ok: start-up deadline
        // Idempotent: each joining node makes sure every shard exists (remember-entities keeps them alive from then on).
        for (int k = 0; k < spec.Shards; k++) region.Tell(new StartShard(k.ToString(global::System.Globalization.CultureInfo.InvariantCulture)));
        await node._status.ConnectAsync().ConfigureAwait(false);
        node._answering = node.AnswerStatusAsync(node._stop.Token);
        host.Log($"node {index}: up at {spec.Address(index)} ({string.Join(",", roles)}), cluster id {host.ClusterId}");
        return node;
    }

    /// <summary>This node's view: members, the shards running here and their positions, and where the singleton is.</summary>
    public NodeStatus Status()
    {
        var cluster = Akka.Cluster.Cluster.Get(System);
        var state = cluster.State;
        var members = state.Members.OrderBy(m => m.Address.Port)
            .Select(m => new MemberStatus(m.Address.ToString(), m.Status.ToString(), [.. m.Roles.Order()], state.Unreachable.Contains(m)))
            .ToArray();
        var oldestCoordinator = state.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(CoordinatorRole))
            .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();
        // ToArray: one atomic copy (LINQ over the live dictionary sizes its buffer first and throws when a shard starts meanwhile).
        var shards = SymbolShardEntity.Local.ToArray().OrderBy(kv => kv.Key)
            .Select(kv => new ShardStatus(kv.Key, kv.Value.LastSourceSeq, kv.Value.Pending, kv.Value.ClosedMinutes, kv.Value.Recovered,
                kv.Value.LiveStreamEvents, kv.Value.Counters.EventsApplied, kv.Value.LiveSeconds,
                kv.Value.RestoredFromInput, kv.Value.RestoredMinute, kv.Value.JournalRecords, kv.Value.Snapshots?.Saved ?? 0, kv.Value.ResumedFromStreamSeq)).ToArray();
        bool singletonHere = oldestCoordinator is not null && oldestCoordinator.Address == cluster.SelfAddress;
        string? published = singletonHere && CrossSectionSingleton.LastPublished is { } p ? $"{p.Date:yyyy-MM-dd} minute {p.Minute} {p.Digest}" : null;
        return new NodeStatus(Index, cluster.SelfAddress.ToString(), members, shards, singletonHere, published,
            singletonHere ? [.. CrossSectionSingleton.MergeMillis] : []);
    }

    private async Task AnswerStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var msg in _status.SubscribeAsync<byte[]>(StatusSubject(_spec.Prefix), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (msg.ReplyTo is null) continue;
                try
                {
                    await _status.PublishAsync(msg.ReplyTo, JsonSerializer.SerializeToUtf8Bytes(Status(), StatusJson), cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One failed answer must not end the answering: a node that stops answering looks lost to `status`.
                    _host.Log($"status reply: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>The subject nodes answer status requests on.</summary>
    public static string StatusSubject(string prefix) => $"{prefix}.cluster.status";

    internal static readonly JsonSerializerOptions StatusJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Leaves the cluster (its shards hand over to the other nodes) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_answering is not null) await _answering.ConfigureAwait(false);
        await _status.DisposeAsync().ConfigureAwait(false);
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Entity id = shard id = the shard index: each symbol range is its own unit of allocation.</summary>
    private sealed class ShardExtractor : IMessageExtractor
    {
        public string? EntityId(object message) => message switch
        {
            StartShard s => s.EntityId,
            _ => null,
        };

        public object? EntityMessage(object message) => message;

        public string? ShardId(object message) => EntityId(message);

        public string ShardId(string entityId, object? messageHint = null) => entityId;
    }
}

/// <summary>A cluster member as a node sees it.</summary>
public sealed record MemberStatus(string Address, string Status, string[] Roles, bool Unreachable);

/// <summary>
/// A shard running on a node: its last journaled stream sequence, the messages still pending for
/// its consumer, minutes closed, journal inputs replayed through its engine at its start (after the
/// restored cut, or all), tick events read live (whole stream), events applied (its range), seconds
/// from its first live input to its last closed minute; the journal input and minute of the cut it
/// restored at start (0: none), the journal inputs at start, the cuts it saved since, and the cut's stream sequence
/// when it restored without a journal that holds the cut (SIG_MD consumed from the next message; 0 otherwise).
/// </summary>
public sealed record ShardStatus(int Shard, ulong LastSeq, ulong Lag, int Minute, long Replayed, long StreamEvents, long Applied, double LiveSeconds,
    long RestoredFromInput = 0, int RestoredMinute = 0, long JournalRecords = 0, int CutsSaved = 0, ulong ResumedFromStreamSeq = 0);

/// <summary>One node's answer to a status request (merge timings only from the singleton's node).</summary>
public sealed record NodeStatus(int Node, string Address, MemberStatus[] Members, ShardStatus[] Shards, bool Singleton, string? Published, double[] MergeMillis);
