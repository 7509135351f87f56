using System.Text;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

public class JetStreamTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    private static byte[] Text(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public async Task Stream_creation_is_idempotent_and_info_and_delete_work()
    {
        await using var nats = await server.ConnectAsync();
        var js = new JetStreamContext(nats);
        var created = await js.CreateStreamAsync("IDEM", ["idem.>"], "memory", 1, TimeSpan.FromMinutes(1));
        Assert.Equal("IDEM", created.Config.Name);
        Assert.Equal("memory", created.Config.Storage);
        Assert.Equal(TimeSpan.FromMinutes(1), created.Config.DuplicateWindow);
        await js.CreateStreamAsync("IDEM", ["idem.>"], "memory", 1, TimeSpan.FromMinutes(1));
        var conflict = await Assert.ThrowsAsync<NatsJetStreamApiException>(() => js.CreateStreamAsync("IDEM", ["other.>"], "memory"));
        Assert.Equal(400, conflict.Code);
        Assert.Equal(0UL, (await js.StreamInfoAsync("IDEM")).State.Messages);
        await js.DeleteStreamAsync("IDEM");
        var missing = await Assert.ThrowsAsync<NatsJetStreamApiException>(() => js.StreamInfoAsync("IDEM"));
        Assert.Equal(404, missing.Code);
    }

    [Fact]
    public async Task Publishing_the_same_msg_id_twice_stores_one_message()
    {
        await using var nats = await server.ConnectAsync();
        var js = new JetStreamContext(nats);
        await js.CreateStreamAsync("DEDUP", ["dedup.>"], "file");
        var headers = new NatsHeaders().Add("X-Kind", "intraday");
        var first = await js.PublishAsync("dedup.a", Text("one"), "j1:2024-01-02:1:intraday", headers);
        var second = await js.PublishAsync("dedup.a", Text("one again"), "j1:2024-01-02:1:intraday", headers);
        Assert.Equal(new PubAck("DEDUP", 1, false), first);
        Assert.True(second.Duplicate);
        Assert.Equal(1UL, second.Seq);
        var third = await js.PublishAsync("dedup.b", Text("two"));
        Assert.Equal(2UL, third.Seq);

        var stored = await js.GetMessagesAsync("DEDUP");
        Assert.Equal(2, stored.Count);
        Assert.Equal("one", Encoding.ASCII.GetString(stored[0].Data));
        Assert.True(stored[0].Headers!.TryGetValue("Nats-Msg-Id", out var id));
        Assert.Equal("j1:2024-01-02:1:intraday", id);
        Assert.True(stored[0].Headers!.TryGetValue("X-Kind", out _));
        Assert.Equal(["dedup.b"], (await js.GetMessagesAsync("DEDUP", "dedup.b")).Select(m => m.Subject));
        await Assert.ThrowsAsync<NatsNoRespondersException>(() => js.PublishAsync("no.stream.here", Text("x")));
    }

    [Fact]
    public async Task Durable_pull_consumer_fetches_acks_and_a_new_connection_continues_where_it_left_off()
    {
        var js0Connection = await server.ConnectAsync();
        var js = new JetStreamContext(js0Connection);
        await js.CreateStreamAsync("MD", ["md.>"], "file");
        for (int i = 1; i <= 5; i++) await js.PublishAsync($"md.trade.s{i % 2}", Text($"m{i}"));
        var created = await js.CreateDurablePullConsumerAsync("MD", "engine", "md.>", TimeSpan.FromMilliseconds(500), 100);
        Assert.Equal(5UL, created.NumPending);

        var batch = await js.FetchAsync("MD", "engine", 3, TimeSpan.FromSeconds(1));
        Assert.Equal(["m1", "m2", "m3"], batch.Select(m => Encoding.ASCII.GetString(m.Data.Span)));
        Assert.Equal([1UL, 2UL, 3UL], batch.Select(m => m.Metadata.StreamSeq));
        Assert.All(batch, m => Assert.Equal("MD", m.Metadata.Stream));
        Assert.All(batch, m => Assert.Equal("engine", m.Metadata.Consumer));
        Assert.All(batch, m => Assert.Equal(1UL, m.Metadata.NumDelivered));
        await js.AckAsync(batch[0]);
        await js.AckAsync(batch[1]);
        // batch[2] stays unacked: it must come back after the ack wait.
        await js0Connection.FlushAsync();
        var info = await js.ConsumerInfoAsync("MD", "engine");
        Assert.Equal(1, info.NumAckPending);
        Assert.Equal(2UL, info.NumPending);
        Assert.Equal(3UL, info.Delivered.StreamSeq);
        Assert.Equal(2UL, info.AckFloor.StreamSeq);
        await js0Connection.DisposeAsync();

        // A restarted engine: new connection, same durable.
        await using var nats = await server.ConnectAsync();
        var js2 = new JetStreamContext(nats);
        await js2.CreateDurablePullConsumerAsync("MD", "engine", "md.>", TimeSpan.FromMilliseconds(500), 100); // idempotent
        await Task.Delay(600); // past the 500 ms ack wait of the unacked seq 3
        var rest = await js2.FetchAsync("MD", "engine", 3, TimeSpan.FromSeconds(2));
        Assert.Equal([3UL, 4UL, 5UL], rest.Select(m => m.Metadata.StreamSeq).Order());
        var redelivered = Assert.Single(rest, m => m.Metadata.StreamSeq == 3);
        Assert.Equal(2UL, redelivered.Metadata.NumDelivered);
        foreach (var m in rest) await js2.AckAsync(m);
        await js2.NakAsync(rest[0]); // acked already: a late NAK changes nothing
        await nats.FlushAsync();
        var done = await js2.ConsumerInfoAsync("MD", "engine");
        Assert.Equal(0, done.NumAckPending);
        Assert.Equal(0UL, done.NumPending);
        Assert.Equal(5UL, done.AckFloor.StreamSeq);
    }

    [Fact]
    public async Task Nak_redelivers_at_once()
    {
        await using var nats = await server.ConnectAsync();
        var js = new JetStreamContext(nats);
        await js.CreateStreamAsync("NAK", ["nak.>"], "memory");
        await js.PublishAsync("nak.x", Text("again"));
        await js.CreateDurablePullConsumerAsync("NAK", "c", ackWait: TimeSpan.FromSeconds(30));
        var first = Assert.Single(await js.FetchAsync("NAK", "c", 1, TimeSpan.FromSeconds(1)));
        await js.NakAsync(first);
        var again = Assert.Single(await js.FetchAsync("NAK", "c", 1, TimeSpan.FromSeconds(2)));
        Assert.Equal(1UL, again.Metadata.StreamSeq);
        Assert.Equal(2UL, again.Metadata.NumDelivered);
    }

    [Fact]
    public async Task Fetch_on_an_empty_consumer_returns_empty_quickly()
    {
        await using var nats = await server.ConnectAsync();
        var js = new JetStreamContext(nats);
        await js.CreateStreamAsync("EMPTY", ["empty.>"], "memory");
        await js.CreateDurablePullConsumerAsync("EMPTY", "c");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(await js.FetchAsync("EMPTY", "c", 10, TimeSpan.Zero));
        Assert.Empty(await js.FetchAsync("EMPTY", "c", 10, TimeSpan.FromMilliseconds(200)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

        // no_wait returns what is there without waiting for a full batch.
        await js.PublishAsync("empty.a", Text("1"));
        await js.PublishAsync("empty.a", Text("2"));
        Assert.Equal(2, (await js.FetchAsync("EMPTY", "c", 10, TimeSpan.Zero)).Count);
    }
}
