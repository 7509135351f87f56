using System.Collections.Concurrent;
using NATS.Client.JetStream;
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
    [Theory]
    [InlineData("whole")]
    [InlineData("partitioned")]
    public async Task Two_nodes_three_shards_publish_the_single_process_digest_once(string mdInput)
    {
        const int shards = 3;
        await using var kit = await ClusterKit.StartAsync(mdInput: mdInput, shards: shards);
        var (live, replay) = await kit.SingleProcessDigestsAsync();
        Assert.Equal(live, replay);
        await kit.FeedAsync();

        var log = new ConcurrentQueue<string>();
        var spec = kit.Spec(nodes: 2, shards);
        var nodes = new List<EngineNode>();
        try
        {
            foreach (var i in new[] { 0, 1 }) nodes.Add(await EngineNode.StartAsync(spec, i, kit.Host(shards, log.Enqueue)));
            await using var connection = await kit.ConnectAsync();
            string cluster = await kit.WaitForCloseDigestAsync(connection, () => string.Join("\n", log));
            Assert.Equal(live, cluster);

            // Whole input: every shard journaled the whole stream, each replays alone to the same digest.
            // Partitioned: each journaled its partition and the control messages; merged by stream sequence they replay to it.
            foreach (var journalReplay in kit.JournalReplays(shards))
                Assert.Equal(live, await ClusterKit.RunAsync(journalReplay));
            foreach (var journals in kit.VerifyReplayJournals(shards))
                Assert.Equal(0, Sig.Engine.Host.Cli.Run(["verify-replay", "--journal", journals]));

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
