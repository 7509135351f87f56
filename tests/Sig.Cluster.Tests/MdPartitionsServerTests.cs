using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sig.Cluster.Local;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>
/// The engine's partition function is the nats-server's: a server configured with the mappings
/// <see cref="MdPartitions"/> writes stores each trade and order message under the partition the
/// engine computes for its symbol, and the shard consumers' filters select exactly their messages.
/// </summary>
public class MdPartitionsServerTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task The_server_maps_every_symbol_to_the_engines_partition(int partitions)
    {
        string root = Directory.CreateTempSubdirectory("sig-md-partitions-").FullName;
        var nats = new NatsServerCluster(Path.Combine(root, "nats"), 3, new MdPartitions(partitions)); // one server alone elects no JetStream meta leader with a cluster block
        try
        {
            await nats.StartAsync();
            var subjects = new MarketSubjects();
            var mapping = new MdPartitions(partitions);
            await using var connection = new NATS.Client.Core.NatsConnection(NatsClientSettings.Defaults(string.Join(",", nats.Urls), "sig-partition-test"));
            await connection.ConnectAsync();
            var js = new NatsJSContext(connection);
            await NatsServerCluster.EnsureStreamsAsync(connection, subjects);
            // 300 symbols of both exchanges, a trade and an order subject each, and the control subjects.
            var symbols = Enumerable.Range(0, 150).SelectMany(i => new[] { $"{i * 7 + 1:D6}.SZ", $"{600000 + i * 13:D6}.SH" }).ToArray();
            foreach (var s in symbols)
            {
                await js.PublishAsync(subjects.MdTrade(s), new byte[] { 1 });
                await js.PublishAsync(subjects.MdOrder(s), new byte[] { 1 });
            }
            await js.PublishAsync(subjects.MdClock, new byte[] { 1 });
            await js.PublishAsync(subjects.MdRef, new byte[] { 1 });

            var stored = await NatsTestKit.ReadStreamAsync(connection, MarketSubjects.MdStream);
            Assert.Equal(symbols.Length * 2 + 2, stored.Count);
            var expected = symbols.SelectMany(s => new[] { $"{subjects.MdTrade(s)}.{mapping.OfSymbol(s)}", $"{subjects.MdOrder(s)}.{mapping.OfSymbol(s)}" })
                .Append(subjects.MdClock).Append(subjects.MdRef);
            Assert.Equal(expected, stored.Select(m => m.Subject));
            // Every partition is used, and a direct get by each filter finds the partition's first message.
            var stream = await js.GetStreamAsync(MarketSubjects.MdStream);
            for (int p = 0; p < partitions; p++)
            {
                var first = stored.First(m => m.Subject.EndsWith($".{p}", StringComparison.Ordinal));
                var got = await stream.GetAsync(new StreamMsgGetRequest { Seq = 1, NextBySubj = mapping.PartitionFilter(p) });
                Assert.Equal(first.Seq, got.Message.Seq);
            }
            var control = await stream.GetAsync(new StreamMsgGetRequest { Seq = 1, NextBySubj = mapping.ControlFilter });
            Assert.Equal(subjects.MdClock, control.Message.Subject);
            var none = await Assert.ThrowsAsync<NatsJSApiException>(() => stream.GetAsync(new StreamMsgGetRequest { Seq = control.Message.Seq + 2, NextBySubj = mapping.ControlFilter }).AsTask());
            Assert.Equal(404, none.Error.Code);
        }
        finally
        {
            nats.KillAll();
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }
}
