using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

/// <summary>
/// A real nats-server with JetStream on free loopback ports (<see cref="LocalNatsServer"/>),
/// as an xunit class fixture (default arguments) or through <see cref="StartAsync"/> for
/// servers with auth or a config file, plus client options tuned for tests.
/// </summary>
public sealed class NatsServerFixture : IAsyncLifetime, IAsyncDisposable
{
    private readonly LocalNatsServer _server;

    /// <summary>Default server: JetStream, no auth.</summary>
    public NatsServerFixture() : this([], null) { }

    private NatsServerFixture(string[] extraArgs, string? configText, NatsOpts? readiness = null) =>
        _server = new LocalNatsServer(null, extraArgs, configText) { ReadinessClient = readiness };

    public int Port => _server.Port;
    public string Url => _server.Url;
    public string StoreDir => _server.StoreDir;

    /// <summary>Process id of the running server (0 when stopped), e.g. to freeze it with SIGSTOP.</summary>
    public int ProcessId => _server.ProcessId;

    /// <summary>Starts a server with extra command-line arguments (e.g. <c>--user u --pass p</c>) and/or a config file text.</summary>
    /// <param name="readiness">Client options that can talk to the server (e.g. trusting its TLS CA) for the readiness check.</param>
    public static async Task<NatsServerFixture> StartAsync(string[]? extraArgs = null, string? configText = null, NatsOpts? readiness = null)
    {
        var fixture = new NatsServerFixture(extraArgs ?? [], configText, readiness);
        try
        {
            await fixture._server.StartAsync();
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
        return fixture;
    }

    /// <summary>Client options for this server (the engine's defaults) with quick reconnects, as tests want them.</summary>
    public NatsOpts ClientOptions() => NatsClientSettings.Defaults(Url, "sig-engine-tests") with
    {
        ReconnectWaitMin = TimeSpan.FromMilliseconds(50),
        ReconnectWaitMax = TimeSpan.FromMilliseconds(200),
        ConnectTimeout = TimeSpan.FromSeconds(3),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Connects a client with <see cref="ClientOptions"/>, optionally adjusted.</summary>
    public async Task<NatsConnection> ConnectAsync(Func<NatsOpts, NatsOpts>? adjust = null)
    {
        var connection = new NatsConnection(adjust is null ? ClientOptions() : adjust(ClientOptions()));
        await connection.ConnectAsync();
        return connection;
    }

    /// <summary>Kills the server (abrupt, like a crash).</summary>
    public void Kill() => _server.Kill();

    /// <summary>Kills and starts again with the same ports, store and arguments.</summary>
    public Task RestartAsync() => _server.RestartAsync();

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort() => LocalNatsServer.FreePort();

    Task IAsyncLifetime.InitializeAsync() => _server.StartAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
