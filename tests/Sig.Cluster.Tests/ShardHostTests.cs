using NATS.Client.Core;
using Sig.Engine.Config;
using Sig.Engine.Nats;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>The cluster id: every node (process) and every shard starting at once sees the one id in <c>cluster.id</c>.</summary>
public class ShardHostTests
{
    [Fact]
    public void Nodes_and_shards_starting_at_once_see_one_cluster_id()
    {
        for (int round = 0; round < 20; round++)
        {
            string work = Directory.CreateTempSubdirectory("sig-cluster-id-").FullName;
            try
            {
                // Hosts of their own stand for node processes (no shared lock); two threads per host for its shards.
                var hosts = Enumerable.Range(0, 8).Select(_ => Host(work)).ToArray();
                using var start = new Barrier(hosts.Length * 2);
                var ids = new string[hosts.Length * 2];
                var threads = Enumerable.Range(0, ids.Length).Select(i => new Thread(() =>
                {
                    start.SignalAndWait();
                    ids[i] = hosts[i / 2].ClusterId;
                })).ToArray();
                foreach (var t in threads) t.Start();
                foreach (var t in threads) t.Join();
                Assert.Single(ids.Distinct());
                Assert.Matches("^[0-9a-f]{16}$", ids[0]);
                Assert.Equal(ids[0], File.ReadAllText(Path.Combine(work, "cluster.id")));
                Assert.Equal(ids[0], Host(work).ClusterId); // a node started later reads it
            }
            finally
            {
                Directory.Delete(work, true);
            }
        }
    }

    private static ShardHost Host(string work) => new()
    {
        WorkDirectory = work, Nats = NatsOpts.Default, Subjects = new MarketSubjects(), Config = new EngineConfig(),
        Backend = new CpuComputeBackend(), Shards = 2,
    };
}
