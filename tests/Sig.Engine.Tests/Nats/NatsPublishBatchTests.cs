using System.Text;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

public class NatsPublishBatchTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task A_batch_arrives_in_order_with_headers_and_reply_subjects()
    {
        await using var nats = await server.ConnectAsync();
        await using var sub = await nats.SubscribeAsync("batch.>");
        await nats.FlushAsync();
        var batch = new NatsPublishBatch(16);
        batch.Add("batch.plain", "one"u8);
        batch.Add("batch.headers", "two"u8, new NatsHeaders().Add("X-A", "1").Add("X-B", "2"), replyTo: "reply.a");
        batch.Add("batch.id", "three"u8, "Nats-Msg-Id", "feed:2024-01-02:7", replyTo: "reply.b");
        batch.Add("batch.empty", ReadOnlySpan<byte>.Empty, "Nats-Msg-Id", "x");
        for (int i = 0; i < 5000; i++) batch.Add("batch.many", Encoding.ASCII.GetBytes(i.ToString()));
        Assert.Equal(5004, batch.Count);
        await nats.PublishAsync(batch);
        batch.Clear();
        Assert.Equal(0, batch.Count);
        Assert.Equal(0, batch.Length);
        await nats.PublishAsync(batch); // empty: nothing

        var plain = await NatsCoreTests.NextAsync(sub);
        Assert.Equal(("batch.plain", null, null, "one"), (plain.Subject, plain.ReplyTo, plain.Headers, Encoding.ASCII.GetString(plain.Data.Span)));
        var headers = await NatsCoreTests.NextAsync(sub);
        Assert.Equal("reply.a", headers.ReplyTo);
        Assert.Equal(["X-A", "X-B"], headers.Headers!.Select(h => h.Key));
        Assert.Equal("two", Encoding.ASCII.GetString(headers.Data.Span));
        var id = await NatsCoreTests.NextAsync(sub);
        Assert.Equal("reply.b", id.ReplyTo);
        Assert.True(id.Headers!.TryGetValue("Nats-Msg-Id", out var msgId));
        Assert.Equal("feed:2024-01-02:7", msgId);
        Assert.Equal(1, id.Headers.Count);
        Assert.Equal("three", Encoding.ASCII.GetString(id.Data.Span));
        var empty = await NatsCoreTests.NextAsync(sub);
        Assert.True(empty.Data.IsEmpty);
        Assert.True(empty.Headers!.TryGetValue("Nats-Msg-Id", out var x) && x == "x");
        for (int i = 0; i < 5000; i++)
            Assert.Equal(i.ToString(), Encoding.ASCII.GetString((await NatsCoreTests.NextAsync(sub)).Data.Span));
    }

    [Fact]
    public void The_one_header_form_writes_the_same_bytes_as_NatsHeaders()
    {
        var a = new NatsPublishBatch();
        var b = new NatsPublishBatch();
        a.Add("s.t", "payload"u8, new NatsHeaders().Add("Nats-Msg-Id", "feed:2024-01-02:12345"), "r.x");
        b.Add("s.t", "payload"u8, "Nats-Msg-Id", "feed:2024-01-02:12345", "r.x");
        Assert.Equal(a.Length, b.Length);
        Assert.Equal(a.LargestMessage, b.LargestMessage);
        Assert.Throws<ArgumentException>(() => b.Add("s.t", "p"u8, "Bad Name", "v"));
        Assert.Throws<ArgumentException>(() => b.Add("s.t", "p"u8, "Name", "line\r\nbreak"));
        Assert.Throws<ArgumentException>(() => b.Add("bad subject", "p"u8));
    }

    [Fact]
    public async Task A_batch_with_a_message_over_max_payload_is_refused_whole()
    {
        await using var nats = await server.ConnectAsync();
        var batch = new NatsPublishBatch();
        batch.Add("big.ok", "small"u8);
        batch.Add("big.no", new byte[(int)nats.ServerInfo!.MaxPayload + 1]);
        await Assert.ThrowsAsync<NatsMaxPayloadException>(async () => await nats.PublishAsync(batch));
    }
}
