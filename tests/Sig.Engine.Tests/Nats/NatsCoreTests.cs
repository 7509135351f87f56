using System.Text;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

public class NatsCoreTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    internal static async Task<NatsMsg> NextAsync(NatsSubscription sub)
    {
        using var cts = new CancellationTokenSource(Wait);
        return await sub.Messages.ReadAsync(cts.Token);
    }

    [Fact]
    public async Task Many_messages_arrive_in_publish_order()
    {
        await using var publisher = await server.ConnectAsync();
        await using var subscriber = await server.ConnectAsync();
        await using var sub = await subscriber.SubscribeAsync("order.>");
        await subscriber.FlushAsync();
        const int count = 20_000;
        for (int i = 0; i < count; i++)
            await publisher.PublishAsync("order.x", Encoding.ASCII.GetBytes(i.ToString()));
        await publisher.FlushAsync();
        for (int i = 0; i < count; i++)
        {
            var msg = await NextAsync(sub);
            Assert.Equal("order.x", msg.Subject);
            Assert.Equal(i.ToString(), Encoding.ASCII.GetString(msg.Data.Span));
        }
        Assert.Equal(0, sub.DroppedCount);
    }

    [Fact]
    public async Task Headers_round_trip_through_hpub_and_hmsg()
    {
        await using var nats = await server.ConnectAsync();
        await using var sub = await nats.SubscribeAsync("hdr.test");
        var headers = new NatsHeaders().Add("Nats-Msg-Id", "j1:2024-01-02:5:intraday:000001_SZ").Add("X-Multi", "a").Add("X-Multi", "b");
        await nats.PublishAsync("hdr.test", "body"u8.ToArray(), headers, replyTo: "reply.here");
        var msg = await NextAsync(sub);
        Assert.Equal("reply.here", msg.ReplyTo);
        Assert.Equal("body", Encoding.ASCII.GetString(msg.Data.Span));
        Assert.NotNull(msg.Headers);
        Assert.True(msg.Headers!.TryGetValue("nats-msg-id", out var id));
        Assert.Equal("j1:2024-01-02:5:intraday:000001_SZ", id);
        Assert.Equal(["a", "b"], msg.Headers.GetAll("X-Multi"));
        Assert.Equal(0, msg.StatusCode);

        await nats.PublishAsync("hdr.test", ReadOnlyMemory<byte>.Empty, new NatsHeaders().Add("Only", "header"));
        var empty = await NextAsync(sub);
        Assert.True(empty.Data.IsEmpty);
        Assert.Equal(1, empty.Headers!.Count);
    }

    [Fact]
    public async Task Subscription_with_max_msgs_completes_after_that_many()
    {
        await using var nats = await server.ConnectAsync();
        var sub = await nats.SubscribeAsync("max.test", maxMsgs: 3);
        for (int i = 0; i < 5; i++) await nats.PublishAsync("max.test", new[] { (byte)i });
        await nats.FlushAsync();
        var received = new List<byte>();
        using var cts = new CancellationTokenSource(Wait);
        await foreach (var msg in sub.Messages.ReadAllAsync(cts.Token)) received.Add(msg.Data.Span[0]);
        Assert.Equal([0, 1, 2], received);
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery_and_completes_the_channel()
    {
        await using var nats = await server.ConnectAsync();
        var sub = await nats.SubscribeAsync("unsub.test");
        await nats.PublishAsync("unsub.test", "1"u8.ToArray());
        await NextAsync(sub);
        await sub.UnsubscribeAsync();
        await nats.PublishAsync("unsub.test", "2"u8.ToArray());
        await nats.FlushAsync();
        Assert.True(sub.Messages.Completion.IsCompleted);
        Assert.False(sub.Messages.TryRead(out _));
    }

    [Fact]
    public async Task Request_gets_the_reply_of_a_responder()
    {
        await using var responder = await server.ConnectAsync();
        await using var requester = await server.ConnectAsync();
        await using var sub = await responder.SubscribeAsync("svc.echo");
        await responder.FlushAsync();
        var serve = Task.Run(async () =>
        {
            for (int i = 0; i < 3; i++)
            {
                var req = await NextAsync(sub);
                await responder.PublishAsync(req.ReplyTo!, Encoding.ASCII.GetBytes("re:" + Encoding.ASCII.GetString(req.Data.Span)));
            }
        });
        var replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => requester.RequestAsync("svc.echo", Encoding.ASCII.GetBytes($"q{i}"))));
        Assert.Equal(["re:q0", "re:q1", "re:q2"], replies.Select(r => Encoding.ASCII.GetString(r.Data.Span)).Order());
        await serve;
    }

    [Fact]
    public async Task Request_without_responders_throws_no_responders()
    {
        await using var nats = await server.ConnectAsync();
        var error = await Assert.ThrowsAsync<NatsNoRespondersException>(() => nats.RequestAsync("nobody.listens", "x"u8.ToArray()));
        Assert.Equal("nobody.listens", error.Subject);
    }

    [Fact]
    public async Task Request_times_out_when_a_subscriber_never_replies()
    {
        await using var nats = await server.ConnectAsync();
        await using var silent = await nats.SubscribeAsync("silent.svc");
        await Assert.ThrowsAsync<TimeoutException>(() => nats.RequestAsync("silent.svc", "x"u8.ToArray(), timeout: TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Payload_over_the_advertised_max_payload_is_rejected_before_sending()
    {
        await using var nats = await server.ConnectAsync();
        long max = nats.ServerInfo!.MaxPayload;
        Assert.True(nats.ServerInfo.Headers);
        Assert.True(nats.ServerInfo.JetStream);
        var error = await Assert.ThrowsAsync<NatsMaxPayloadException>(async () => await nats.PublishAsync("big", new byte[max + 1]));
        Assert.Equal(max, error.MaxPayload);
        // The connection is still usable.
        await nats.FlushAsync();
        Assert.Equal(NatsConnectionState.Connected, nats.State);
    }

    [Fact]
    public async Task Server_pings_are_answered_and_keepalive_pings_get_pongs()
    {
        await using var nats = await server.ConnectAsync(o => o with { PingInterval = TimeSpan.FromMilliseconds(50), MaxPingsOut = 10 });
        await using var sub = await nats.SubscribeAsync("alive");
        await Task.Delay(400); // several keepalive rounds; a missed PONG would force a reconnect
        await nats.PublishAsync("alive", "x"u8.ToArray());
        await NextAsync(sub);
        Assert.Equal(0, nats.Reconnects);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
    }
}
