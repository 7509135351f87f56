using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

public class JetStreamPullConsumerTests
{
    [Fact]
    public async Task Messages_stream_in_order_in_micro_batches_and_survive_a_server_restart()
    {
        await using var server = await NatsServerFixture.StartAsync();
        await using var nats = await server.ConnectAsync();
        var js = new JetStreamContext(nats);
        await js.CreateStreamAsync("PULL", ["pull.>"]);
        for (int i = 1; i <= 3000; i++) await js.PublishAsync("pull.x", BitConverter.GetBytes(i), msgId: $"m{i}");
        await js.CreateDurablePullConsumerAsync("PULL", "d", maxAckPending: 4096, ackAll: true);

        await using var pull = new JetStreamPullConsumer(nats, "PULL", "d", batch: 256, expires: TimeSpan.FromSeconds(1));
        ulong expected = 1;
        int batches = 0;
        while (expected <= 3000)
        {
            var got = await pull.NextAsync(100, TimeSpan.FromSeconds(5), CancellationToken.None);
            Assert.NotEmpty(got);
            Assert.True(got.Count <= 100);
            foreach (var m in got) Assert.Equal(expected++, m.Metadata.StreamSeq);
            await js.AckAsync(got[^1]);
            batches++;
        }
        Assert.True(batches >= 30);
        Assert.Empty(await pull.NextAsync(100, TimeSpan.FromMilliseconds(300), CancellationToken.None)); // nothing more: returns empty

        // The outstanding pull dies with the server; it is detected by silence and issued again.
        await nats.FlushAsync();
        await server.RestartAsync();
        await using var publisher = await server.ConnectAsync();
        for (int i = 3001; i <= 3010; i++) await new JetStreamContext(publisher).PublishAsync("pull.x", BitConverter.GetBytes(i), msgId: $"m{i}");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (expected <= 3010 && DateTime.UtcNow < deadline)
        {
            IReadOnlyList<JsMsg> got;
            try { got = await pull.NextAsync(100, TimeSpan.FromMilliseconds(500), CancellationToken.None); }
            catch (NatsException) { await Task.Delay(100); continue; } // reconnecting
            foreach (var m in got) if (m.Metadata.StreamSeq >= expected) Assert.Equal(expected++, m.Metadata.StreamSeq);
            if (got.Count > 0) await js.AckAsync(got[^1]);
        }
        Assert.Equal(3011UL, expected);
    }
}
