using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Cluster.Local;
using Sig.Engine.Nats;
using Sig.Replay.Feed;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>
/// Engine nodes as real processes (`engine cluster node`, started the way `engine cluster up`
/// starts them): kill -9 of the node holding the cross-section singleton in the middle of a paced
/// session moves its shards and the singleton; one nats-server of three is killed later; the
/// final digest is the single-process one, SIG_OUT holds every output exactly once, `status`
/// sees the loss, every shard journal passes verify-replay, and `down` leaves no process.
/// </summary>
public class ClusterFailoverTests
{
    /// <summary>Condition polls every 100 ms: the kill -9 and the nats-server kill follow the published minute closely.</summary>
    /// <remarks>
    /// The feed is paced at 300× with the lunch break as one second: the node's loss takes ≈ 20 s to heal (failure
    /// detector, the split-brain resolver's stable-after, the shards' restart), ≈ 100 exchange minutes at this pace, so
    /// the nats-server is killed at minute 150 with ≈ 80 minutes (16 s) of the feed still to come. At 600× the feed had
    /// ended by then.
    /// </remarks>
    private const int Poll = 100;

    [Theory]
    [InlineData("whole")]
    [InlineData("partitioned")]
    public async Task Kill_9_of_the_singletons_node_and_of_one_nats_server_change_no_output(string mdInput)
    {
        const int shards = 4;
        await using var kit = await ClusterKit.StartAsync(stocks: 10, events: 800, mdInput: mdInput, shards: shards);
        var (expected, _) = await kit.SingleProcessDigestsAsync();
        var spec = kit.Spec(nodes: 3, shards);
        var processes = new ClusterProcesses(kit.Nats.Pids, new int[3]);
        try
        {
            processes = kit.StartNodes(spec);
            await using var connection = await kit.ConnectAsync();
            await kit.WaitUpAsync(connection, spec, Poll);

            // The victim nats-server leads neither stream, and the feed does not use it.
            var js = new NatsJSContext(connection);
            var leaders = new List<string?>();
            foreach (var s in new[] { MarketSubjects.MdStream, MarketSubjects.OutStream })
                leaders.Add((await js.GetStreamAsync(s)).Info.Cluster?.Leader);
            int victim = Enumerable.Range(0, 3).First(i => !leaders.Contains($"n{i}"));
            int feedServer = (victim + 1) % 3;

            await using var feedConnection = new NatsConnection(NatsClientSettings.Defaults(kit.Nats.Urls[feedServer], "sig-feed"));
            await feedConnection.ConnectAsync();
            using var day = kit.Ticks.OpenDay(kit.Date);
            var feeding = new DayFeedPublisher(feedConnection, kit.Subjects, new DayFeedPublishOptions { Speed = 300, SkipLunch = true }).PublishAsync(kit.Plan(day));

            await kit.WaitAsync(async () => await kit.LastDigestAsync(connection) is { Minute: >= 60 }, "minute 60 published", Poll);
            var holder = (await LocalCluster.AskNodesAsync(connection, spec)).Single(n => n.Singleton).Node;
            Detached.Kill(processes.Nodes[holder]);
            await kit.WaitAsync(async () => await kit.LastDigestAsync(connection) is { Minute: >= 150 }, "minute 150 published after the node loss", Poll);
            kit.Nats.Kill(victim);

            await feeding;
            Assert.Equal(expected, await kit.WaitForCloseDigestAsync(connection, kit.Logs));

            var status = await LocalCluster.StatusAsync(kit.Work);
            Assert.Equal(2, status.Nodes.Length);
            Assert.All(status.Shards, s => Assert.NotEqual(holder, s.Node));
            Assert.All(status.Shards, s => Assert.Equal(0UL, s.Lag));
            Assert.Equal(240, status.PublishedMinute);

            await ClusterKit.AssertOutOnceAsync(connection, day.SymbolCount);

            foreach (var journals in kit.VerifyReplayJournals(shards))
                Assert.Equal(0, Sig.Engine.Host.Cli.Run(["verify-replay", "--journal", journals]));
        }
        finally
        {
            LocalCluster.Down(kit.Work);
        }
        Assert.DoesNotContain(processes.Nodes.Concat(processes.NatsServers), Detached.IsRunning);
    }
}
