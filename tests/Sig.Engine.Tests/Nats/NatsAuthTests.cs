using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

public class NatsAuthTests
{
    [Fact]
    public async Task User_and_password_authenticate_and_wrong_ones_are_a_clear_auth_error()
    {
        await using var server = await NatsServerFixture.StartAsync(["--user", "engine", "--pass", "s3cret"]);
        await using (var ok = await server.ConnectAsync(o => o with { User = "engine", Password = "s3cret" }))
            await ok.FlushAsync();
        await using (var fromUrl = await server.ConnectAsync(o => o with { Url = $"nats://engine:s3cret@127.0.0.1:{server.Port}" }))
            await fromUrl.FlushAsync();

        await using var bad = new NatsConnection(server.ClientOptions() with { User = "engine", Password = "wrong" });
        var error = await Assert.ThrowsAsync<NatsAuthorizationException>(() => bad.ConnectAsync());
        Assert.Contains("Authorization Violation", error.ServerMessage);
        Assert.Equal(NatsConnectionState.Disconnected, bad.State);

        await using var none = new NatsConnection(server.ClientOptions());
        await Assert.ThrowsAsync<NatsAuthorizationException>(() => none.ConnectAsync());
    }

    [Fact]
    public async Task Token_authenticates()
    {
        await using var server = await NatsServerFixture.StartAsync(["--auth", "tok123"]);
        await using (var ok = await server.ConnectAsync(o => o with { Token = "tok123" }))
            await ok.FlushAsync();
        await using var bad = new NatsConnection(server.ClientOptions() with { Token = "nope" });
        await Assert.ThrowsAsync<NatsAuthorizationException>(() => bad.ConnectAsync());
    }

    [Fact]
    public async Task Small_configured_max_payload_is_enforced_by_the_client()
    {
        await using var server = await NatsServerFixture.StartAsync(configText: "max_payload: 1024\n");
        await using var nats = await server.ConnectAsync();
        Assert.Equal(1024, nats.ServerInfo!.MaxPayload);
        await using var sub = await nats.SubscribeAsync("p");
        await nats.PublishAsync("p", new byte[1024]);
        Assert.Equal(1024, (await NatsCoreTests.NextAsync(sub)).Data.Length);
        await Assert.ThrowsAsync<NatsMaxPayloadException>(async () => await nats.PublishAsync("p", new byte[1025]));
        // Headers count toward the limit too.
        await Assert.ThrowsAsync<NatsMaxPayloadException>(async () =>
            await nats.PublishAsync("p", new byte[1000], new NatsHeaders().Add("K", new string('v', 30))));
    }

    [Fact]
    public async Task Unreachable_server_fails_connect_clearly()
    {
        int port = NatsServerFixture.FreePort();
        await using var nats = new NatsConnection(new NatsOptions { Url = $"nats://127.0.0.1:{port}", ConnectTimeout = TimeSpan.FromSeconds(1) });
        await Assert.ThrowsAsync<NatsConnectionException>(() => nats.ConnectAsync());
    }
}
