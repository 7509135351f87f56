using System.Collections.Concurrent;
using NATS.Client.JetStream;
using Sig.Actors.Sources;
using Sig.Cluster.Sharding;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>
/// The core property: symbol shards spread over engine nodes (Akka.Cluster.Sharding) and merged
/// by the cross-section singleton publish exactly what one process publishes: the digest of a
/// 2-node, 3-shard run over a 3-server JetStream cluster equals the single-process live digest,
/// the store replay and the replay of every shard's journal, and SIG_OUT holds every output once.
/// </summary>
public class ClusterDigestTests
{
    [Fact]
    public async Task Two_nodes_three_shards_publish_the_single_process_digest_once()
    {
        await using var kit = await ClusterKit.StartAsync();
        var (live, replay) = await kit.SingleProcessDigestsAsync();
        Assert.Equal(live, replay);
        await kit.FeedAsync();

        var log = new ConcurrentQueue<string>();
        const int shards = 3;
        var spec = kit.Spec(nodes: 2, shards);
        var nodes = new List<EngineNode>();
        try
        {
            foreach (var i in new[] { 0, 1 }) nodes.Add(await EngineNode.StartAsync(spec, i, kit.Host(shards, log.Enqueue)));
            await using var connection = await kit.ConnectAsync();
            string cluster = await kit.WaitForCloseDigestAsync(connection, () => string.Join("\n", log));
            Assert.Equal(live, cluster);

            // Every shard journaled the whole stream it consumed: each replays alone to the same digest.
            for (int k = 0; k < shards; k++)
                Assert.Equal(live, await ClusterKit.RunAsync(new JournalEventSource(ShardRunner.JournalDirectory(kit.Work, k))));

            // SIG_OUT: every minute's intraday rows, snapshot and digest, the daily at the close, each Msg-Id once.
            var stored = await NatsTestKit.ReadStreamAsync(connection, MarketSubjects.OutStream);
            using var day = kit.Ticks.OpenDay(kit.Date);
            int symbols = day.SymbolCount;
            Assert.Equal(240 * (symbols + 2) + 1, stored.Count);
            Assert.Equal(stored.Count, stored.Select(m => m.MsgId).Distinct().Count());
        }
        finally
        {
            foreach (var n in nodes) await n.DisposeAsync();
        }
    }
}
