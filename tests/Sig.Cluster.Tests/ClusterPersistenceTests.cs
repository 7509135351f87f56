using Sig.Actors.Persistence;
using Sig.Cluster.Local;
using Sig.Cluster.Sharding;
using Sig.Engine.Config;
using Sig.Engine.Tests.Host;
using Sig.Replay.Feed;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>
/// Shard cuts persisted in PostgreSQL (Akka.Persistence.Sql), node processes as `engine cluster
/// up` starts them: a shard moved by a kill -9 restores its newest cut and replays only the
/// journal after it; a cluster whose every node was stopped resumes from the cuts (a corrupted
/// newest cut is refused with one log line and the older one restores); outputs stay those of a
/// single process, complete and without duplicates. A shard moved to a node without its journal
/// (another machine) restores from its cut and SIG_MD alone.
/// </summary>
public class ClusterPersistenceTests
{
    [PostgresFact]
    public async Task A_shard_moved_by_kill_9_restores_its_persisted_cut_and_replays_only_after_it() =>
        await KillAShardNodeAsync(withoutItsJournals: false, killed =>
        {
            foreach (int k in killed.Moved)
            {
                var shard = killed.Status.Shards[k];
                Assert.True(shard.Start is { RestoredFromInput: > 0, RestoredMinute: >= 10 } s && s.Replayed < s.JournalRecords,
                    $"shard {k} started from {shard.Recovery}");
                Assert.Contains(File.ReadLines(Path.Combine(killed.Work, $"node-{shard.Node}.log")),
                    l => l.Contains($"shard {k}: restored the cut after journal input", StringComparison.Ordinal));
                Assert.Equal(0, Sig.Engine.Host.Cli.Run(["verify-replay", "--journal", ShardRunner.JournalDirectory(killed.Work, k)]));
            }
        });

    [PostgresFact]
    public async Task A_shard_moved_by_kill_9_to_a_node_without_its_journal_restores_from_the_cut_and_the_stream() =>
        await KillAShardNodeAsync(withoutItsJournals: true, killed =>
        {
            foreach (int k in killed.Moved)
            {
                var shard = killed.Status.Shards[k];
                Assert.True(shard.Start is { RestoredFromInput: > 0, RestoredMinute: >= 10, ResumedFromStreamSeq: > 0, Replayed: 0 }, $"shard {k} started from {shard.Recovery}");
                var start = Sig.Engine.Journal.JournalStart.Read(ShardRunner.JournalDirectory(killed.Work, k));
                Assert.Equal((shard.Start!.RestoredFromInput, shard.Start.ResumedFromStreamSeq), (start!.AfterSequence, start.SourceSeq));
                string log = $"shard {k}: restored the cut after journal input {shard.Start.RestoredFromInput:N0} (minute {shard.Start.RestoredMinute}, ";
                string from = $"replayed from stream sequence {shard.Start.ResumedFromStreamSeq + 1}";
                Assert.Contains(File.ReadLines(Path.Combine(killed.Work, $"node-{shard.Node}.log")), l => l.Contains(log, StringComparison.Ordinal) && l.Contains(from, StringComparison.Ordinal));
                // A journal that begins after a cut cannot be verified (it says why); the others hold the whole day and can.
                Assert.Equal(Sig.Engine.Host.Commands.VerifyReplayCommand.CannotVerifyExitCode, Sig.Engine.Host.Cli.Run(["verify-replay", "--journal", ShardRunner.JournalDirectory(killed.Work, k)]));
            }
            foreach (int k in Enumerable.Range(0, killed.Shards).Except(killed.Moved))
                Assert.Equal(0, Sig.Engine.Host.Cli.Run(["verify-replay", "--journal", ShardRunner.JournalDirectory(killed.Work, k)]));
        });

    /// <summary>What <see cref="KillAShardNodeAsync"/> hands its check: the status after the close and the shards that moved.</summary>
    private sealed record KilledShardNode(string Work, ClusterStatus Status, int[] Moved, int Shards);

    /// <summary>
    /// Three nodes, four shards, cuts in PostgreSQL, a paced feed; kill -9 of a shard node (not the singleton's) once each
    /// of its shards stored a cut past minute 60 — with its shard journals deleted when <paramref name="withoutItsJournals"/>
    /// (another machine). The close digest must be the single process's, the moved shards on the two survivors, SIG_OUT
    /// complete and unique; then <paramref name="check"/> looks at how the moved shards started.
    /// </summary>
    private static async Task KillAShardNodeAsync(bool withoutItsJournals, Action<KilledShardNode> check)
    {
        await using var kit = await ClusterKit.StartAsync(stocks: 10, events: 800);
        var (expected, _) = await kit.SingleProcessDigestsAsync();
        using var pg = new ThrowawayPostgres();
        const int shards = 4;
        var spec = kit.Spec(nodes: 3, shards) with { Snapshots = "postgresql", SnapshotConnection = pg.ConnectionString };
        var processes = kit.StartNodes(spec);
        try
        {
            await using var connection = await kit.ConnectAsync();
            await kit.WaitUpAsync(connection, spec);
            using var day = kit.Ticks.OpenDay(kit.Date);
            var feeding = new DayFeedPublisher(connection, kit.Subjects, new DayFeedPublishOptions { Speed = 600, SkipLunch = true }).PublishAsync(kit.Plan(day));

            NodeStatus? victim = null;
            await kit.WaitAsync(async () =>
            {
                var nodes = await LocalCluster.AskNodesAsync(connection, spec);
                victim = nodes.FirstOrDefault(n => !n.Singleton && n.Shards.Length > 0 && n.Shards.All(s => s.CutsSaved > 0 && s.Minute >= 60));
                return victim is not null;
            }, "a shard node (not the singleton's) whose shards stored a cut past minute 60");
            int[] moved = [.. victim!.Shards.Select(s => s.Shard)];
            Detached.Kill(processes.Nodes[victim.Node]);
            // Another machine: the killed node's shard journals are gone with it (the survivors notice the loss seconds later,
            // after the failure detector and the split-brain resolver's stable-after; the status checks prove the order).
            if (withoutItsJournals)
                foreach (int k in moved) Directory.Delete(ShardRunner.JournalDirectory(kit.Work, k), recursive: true);

            await feeding;
            Assert.Equal(expected, await kit.WaitForCloseDigestAsync(connection, kit.Logs));
            var status = await LocalCluster.StatusAsync(kit.Work);
            Assert.Equal(2, status.Nodes.Length);
            Assert.All(moved, k => Assert.NotEqual(victim.Node, status.Shards[k].Node));
            await ClusterKit.AssertOutOnceAsync(connection, day.SymbolCount);
            check(new KilledShardNode(kit.Work, status, moved, shards));
        }
        finally
        {
            LocalCluster.Down(kit.Work);
        }
        Assert.DoesNotContain(processes.Nodes, Detached.IsRunning);
    }

    [PostgresFact]
    public async Task The_postgresql_snapshot_store_survives_a_restart_of_every_node()
    {
        await using var kit = await ClusterKit.StartAsync(stocks: 10, events: 800);
        var (expected, _) = await kit.SingleProcessDigestsAsync();
        using var pg = new ThrowawayPostgres();
        const int shards = 3;
        var spec = kit.Spec(nodes: 2, shards) with { Snapshots = "postgresql", SnapshotConnection = pg.ConnectionString };
        using var day = kit.Ticks.OpenDay(kit.Date);
        var messages = kit.Plan(day).ToList();
        var processes = kit.StartNodes(spec);
        try
        {
            await using var connection = await kit.ConnectAsync();
            await kit.WaitUpAsync(connection, spec);
            await new DayFeedPublisher(connection, kit.Subjects).PublishAsync(messages.Take(messages.Count / 2));
            // Two cuts stored by every shard (the newest and the one before it), the fed half consumed and published.
            await kit.WaitAsync(async () => (await LocalCluster.StatusAsync(kit.Work)) is { } s
                && s.Shards.All(p => p.Lag == 0 && p.Start is { CutsSaved: >= 2 } && p.Minute == s.PublishedMinute && p.Minute >= 20),
                "the first half consumed, published and cut");

            // Both nodes stop at once: a shard handed over to the other, also leaving, node does not start there.
            await Task.WhenAll(processes.Nodes.Select(pid => Task.Run(() => Detached.Stop(pid, TimeSpan.FromSeconds(20)))));
            Assert.DoesNotContain(processes.Nodes, Detached.IsRunning);

            // Shard 0's newest cut gets a flipped byte: it must be refused (one line) and the cut before it restored.
            string clusterId = File.ReadAllText(Path.Combine(kit.Work, "cluster.id")).Trim();
            var options = new PersistenceOptions { Provider = "postgresql", ConnectionString = pg.ConnectionString };
            string id;
            long corrupted;
            byte[] original;
            await using (var store = SqlSnapshotStore.Open(options, kit.Work)!)
            {
                id = new ShardSnapshots(store, clusterId, 0, shards, _ => { }).PersistenceId;
                var newest = await store.LoadAsync(id, long.MaxValue) ?? throw new InvalidOperationException($"shard 0 stored no cut\n{kit.Logs()}");
                (corrupted, original) = (newest.SequenceNr, newest.Snapshot);
                var flipped = (byte[])original.Clone();
                flipped[flipped.Length / 2] ^= 0x40;
                await store.SaveAsync(id, corrupted, flipped);
                Assert.Equal(flipped, (await store.LoadAsync(id, long.MaxValue))!.Value.Snapshot);
            }

            var logged = Directory.GetFiles(kit.Work, "node-*.log").ToDictionary(f => f, f => File.ReadLines(f).Count());
            processes = kit.StartNodes(spec);
            await kit.WaitUpAsync(connection, spec);
            // The shards start on the node that is up first; the coordinator then rebalances some to the other node:
            // the placement has settled once both nodes run shards and every shard has recovered.
            ClusterStatus restarted = null!;
            await kit.WaitAsync(async () => (restarted = await LocalCluster.StatusAsync(kit.Work)) is var s
                && s.Nodes.Length == spec.Nodes.Length && s.Nodes.All(n => n.Shards.Length > 0) && s.Shards.All(p => p.Start is { JournalRecords: > 0 }),
                "every shard recovered, on both nodes");
            foreach (var shard in restarted.Shards)
                Assert.True(shard.Start is { RestoredFromInput: > 0 } s && s.Replayed < s.JournalRecords, $"shard {shard.Shard} started from {shard.Recovery}");

            // Shard 0's first start refuses the corrupted cut (one line) and restores the older one. Its replay passes the
            // corrupted cut's clock again, and once the singleton confirms that minute the shard stores the cut again: the
            // very bytes that were corrupted (a cut is a function of the journal prefix). A later start of shard 0 (moved by
            // the rebalance; a start the move interrupts may have refused without restoring) may restore that one; none
            // restores the corrupted bytes (the checksum refuses them).
            var since = Directory.GetFiles(kit.Work, "node-*.log").SelectMany(f => File.ReadLines(f).Skip(logged.GetValueOrDefault(f))).ToList();
            string refusal = $"shard 0: snapshot after journal input {corrupted} refused: checksum mismatch; trying an older one";
            Assert.True(since.Any(l => l.Contains(refusal, StringComparison.Ordinal)), $"no refusal of the corrupted cut\n{kit.Logs()}");
            long[] restores = [.. since.Select(RestoredInput).OfType<long>()];
            Assert.NotEmpty(restores);
            Assert.All(restores, r => Assert.True(r <= corrupted, $"shard 0 restored input {r}, the corrupted cut is {corrupted}"));
            long restoredNow = restarted.Shards[0].Start!.RestoredFromInput;
            if (restoredNow == corrupted || restores.Contains(corrupted))
                await using (var store = SqlSnapshotStore.Open(options, kit.Work)!)
                    Assert.Equal(original, (await store.LoadAsync(id, corrupted))!.Value.Snapshot); // stored again, bit for bit
            else
                Assert.True(restoredNow < corrupted, $"shard 0 restored input {restoredNow}, the corrupted cut is {corrupted}");

            await new DayFeedPublisher(connection, kit.Subjects).PublishAsync(messages.Skip(messages.Count / 2));
            Assert.Equal(expected, await kit.WaitForCloseDigestAsync(connection, kit.Logs));
            await ClusterKit.AssertOutOnceAsync(connection, day.SymbolCount);
        }
        finally
        {
            LocalCluster.Down(kit.Work);
        }
        Assert.DoesNotContain(processes.Nodes, Detached.IsRunning);
    }

    /// <summary>The journal input of a "shard 0: restored the cut after journal input N" log line, or null.</summary>
    private static long? RestoredInput(string line)
    {
        var m = System.Text.RegularExpressions.Regex.Match(line, @"shard 0: restored the cut after journal input ([\d,.\u00a0 ]+) \(");
        return m.Success ? long.Parse(new string([.. m.Groups[1].Value.Where(char.IsAsciiDigit)]), System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
