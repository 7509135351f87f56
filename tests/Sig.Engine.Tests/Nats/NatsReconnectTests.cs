using System.Threading.Channels;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

public class NatsReconnectTests
{
    [Fact]
    public async Task After_a_server_restart_the_client_reconnects_resubscribes_and_sends_what_it_buffered()
    {
        await using var server = await NatsServerFixture.StartAsync();
        await using var nats = await server.ConnectAsync();
        var states = Channel.CreateUnbounded<NatsConnectionState>();
        nats.StateChanged += (_, state) => states.Writer.TryWrite(state);
        await using var sub = await nats.SubscribeAsync("re.>");
        await using var limited = await nats.SubscribeAsync("lim", maxMsgs: 2);
        await nats.PublishAsync("re.a", "before"u8.ToArray());
        await nats.PublishAsync("lim", "1"u8.ToArray());
        Assert.Equal("before", System.Text.Encoding.ASCII.GetString((await NatsCoreTests.NextAsync(sub)).Data.Span));
        await NatsCoreTests.NextAsync(limited);

        server.Kill();
        await WaitForAsync(states.Reader, NatsConnectionState.Reconnecting);
        await nats.PublishAsync("re.b", "buffered"u8.ToArray()); // sent once reconnected
        await server.RestartAsync();
        await WaitForAsync(states.Reader, NatsConnectionState.Connected);
        Assert.Equal(1, nats.Reconnects);

        Assert.Equal("buffered", System.Text.Encoding.ASCII.GetString((await NatsCoreTests.NextAsync(sub)).Data.Span));
        // Another client's publish reaches the re-sent SUB with the same sid.
        await using var other = await server.ConnectAsync();
        await other.PublishAsync("re.c", "after"u8.ToArray());
        var after = await NatsCoreTests.NextAsync(sub);
        Assert.Equal("re.c", after.Subject);
        // The max-msgs subscription was re-sent with the one message it has left.
        await other.PublishAsync("lim", "2"u8.ToArray());
        await other.PublishAsync("lim", "3"u8.ToArray());
        Assert.Equal("2", System.Text.Encoding.ASCII.GetString((await NatsCoreTests.NextAsync(limited)).Data.Span));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await limited.Messages.Completion.WaitAsync(cts.Token);
        // Request/reply still works through the re-sent inbox subscription.
        await Assert.ThrowsAsync<NatsNoRespondersException>(() => nats.RequestAsync("none.here", "x"u8.ToArray()));
    }

    [Fact]
    public async Task Client_gives_up_after_max_reconnect_attempts_and_ends_subscriptions()
    {
        await using var server = await NatsServerFixture.StartAsync();
        await using var nats = await server.ConnectAsync(o => o with { MaxReconnectAttempts = 2, ReconnectWait = TimeSpan.FromMilliseconds(20) });
        var sub = await nats.SubscribeAsync("x");
        server.Kill();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<NatsConnectionException>(() => sub.Messages.Completion.WaitAsync(cts.Token));
        Assert.Equal(NatsConnectionState.Closed, nats.State);
        await Assert.ThrowsAsync<NatsConnectionException>(async () => await nats.PublishAsync("x", "y"u8.ToArray()));
    }

    [Fact]
    public async Task Missed_pongs_are_detected_and_lead_to_a_reconnect()
    {
        await using var server = await NatsServerFixture.StartAsync();
        await using var nats = await server.ConnectAsync(o => o with { PingInterval = TimeSpan.FromMilliseconds(100), MaxPingsOut = 2 });
        var states = Channel.CreateUnbounded<NatsConnectionState>();
        nats.StateChanged += (_, state) => states.Writer.TryWrite(state);
        // SIGSTOP freezes the server: the socket stays open but no PONG comes back.
        int pid = server.ProcessId;
        System.Diagnostics.Process.Start("kill", ["-STOP", pid.ToString()])!.WaitForExit();
        try
        {
            await WaitForAsync(states.Reader, NatsConnectionState.Reconnecting);
        }
        finally
        {
            System.Diagnostics.Process.Start("kill", ["-CONT", pid.ToString()])!.WaitForExit();
        }
        await WaitForAsync(states.Reader, NatsConnectionState.Connected);
        await nats.FlushAsync();
    }

    internal static async Task WaitForAsync(ChannelReader<NatsConnectionState> states, NatsConnectionState wanted)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await states.ReadAsync(cts.Token) != wanted) { }
    }
}
