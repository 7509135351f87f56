using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Sig.Cluster.Sharding;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Sig.Replay.Feed;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>
/// Only the singleton moves: node 0 has the coordinator role alone (it holds the cross-section
/// singleton, being the oldest, and no shard); it leaves the cluster gracefully (CoordinatedShutdown,
/// cluster leave) in the middle of a paced session. The singleton hands over to the next oldest
/// coordinator, no shard moves or replays its journal, and SIG_OUT holds minutes 1..240 in order,
/// each output once, with the single-process digest at the close.
/// </summary>
public class ClusterSingletonMoveTests
{
    [Fact]
    public async Task A_graceful_leave_of_the_singletons_node_moves_only_the_singleton_and_changes_no_output()
    {
        await using var kit = await ClusterKit.StartAsync(stocks: 10, events: 800);
        var (expected, _) = await kit.SingleProcessDigestsAsync();
        var log = new ConcurrentQueue<string>();
        const int shards = 3;
        var spec = kit.Spec(nodes: 3, shards);
        spec = spec with { Nodes = [spec.Nodes[0] with { Roles = [EngineNode.CoordinatorRole] }, .. spec.Nodes[1..]] };
        var nodes = new EngineNode?[3];
        try
        {
            for (int i = 0; i < 3; i++) nodes[i] = await EngineNode.StartAsync(spec, i, kit.Host(shards, log.Enqueue));
            // Placement settles first (the coordinator rebalances once the second shard node joined): both shard nodes hold shards.
            await WaitAsync(async () => nodes.All(n => n!.Status().Members.Count(m => m.Status == "Up") == 3)
                && await ShardsOnAsync(nodes[1]!) is var one && await ShardsOnAsync(nodes[2]!) is var two
                && one > 0 && two > 0 && one + two == shards && SymbolShardEntity.Local.Count == shards, "3 nodes up with the shards spread over nodes 1 and 2", log);
            Assert.True(nodes[0]!.Status().Singleton);

            await using var connection = await kit.ConnectAsync();
            using var day = kit.Ticks.OpenDay(kit.Date);
            var feeding = new DayFeedPublisher(connection, kit.Subjects, new DayFeedPublishOptions { Speed = 600, SkipLunch = true }).PublishAsync(kit.Plan(day));
            await WaitAsync(async () => await kit.LastDigestAsync(connection) is { Minute: >= 60 }, "minute 60 published", log);
            var runners = SymbolShardEntity.Local.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToArray();
            await nodes[0]!.DisposeAsync(); // CoordinatedShutdown: leaves the cluster, hands the singleton over
            nodes[0] = null;
            await WaitAsync(async () => nodes[1]!.Status().Singleton && await kit.LastDigestAsync(connection) is { Minute: >= 120 },
                "minute 120 published by the moved singleton", log);

            await feeding;
            Assert.Equal(expected, await kit.WaitForCloseDigestAsync(connection, () => string.Join("\n", log)));

            // No shard moved: the runners of minute 60 ran to the close.
            Assert.Equal(runners, SymbolShardEntity.Local.OrderBy(kv => kv.Key).Select(kv => kv.Value));
            // The new singleton continued from SIG_OUT rather than from the start.
            Assert.Contains(log, l => l.StartsWith("cross-section: SIG_OUT holds outputs through", StringComparison.Ordinal));

            // SIG_OUT: the digests of minutes 1..240 in stream order (no gap, no repeat), every output once.
            var stored = await NatsTestKit.ReadStreamAsync(connection, MarketSubjects.OutStream);
            var minutes = stored.Where(m => m.Subject == kit.Subjects.Digest)
                .Select(m => JsonDocument.Parse(m.Data).RootElement.GetProperty("minute").GetInt32()).ToList();
            Assert.Equal(Enumerable.Range(1, 240), minutes);
            Assert.Equal(240 * (day.SymbolCount + 2) + 1, stored.Count);
            Assert.Equal(stored.Count, stored.Select(m => m.MsgId).Distinct().Count());
        }
        finally
        {
            foreach (var n in nodes)
                if (n is not null) await n.DisposeAsync();
        }
    }

    /// <summary>The shards the node's region hosts.</summary>
    private static async Task<int> ShardsOnAsync(EngineNode node)
    {
        var region = ClusterSharding.Get(node.System).ShardRegion(EngineNode.TypeName);
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
        return state.Shards.Count;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, ConcurrentQueue<string> log)
    {
        var watch = Stopwatch.StartNew(); // wall-clock ok: a test deadline
        while (!await condition())
        {
            if (watch.Elapsed > ClusterKit.Deadline) throw new TimeoutException($"{what}: not within {ClusterKit.Deadline.TotalSeconds} s\n{string.Join("\n", log.TakeLast(30))}");
            await Task.Delay(100); // wall-clock ok: poll interval of a condition wait with a deadline
        }
    }
}
