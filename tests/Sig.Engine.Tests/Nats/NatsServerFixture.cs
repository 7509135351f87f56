using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

/// <summary>
/// A real nats-server with JetStream on free loopback ports, its store and log in a fresh
/// temp directory. Use as an xunit class fixture (default arguments) or through
/// <see cref="StartAsync"/> for servers with auth or a config file. Killed and cleaned up on
/// dispose; <see cref="RestartAsync"/> brings it back on the same port and store.
/// </summary>
public sealed class NatsServerFixture : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);
    private readonly string[] _extraArgs;
    private readonly string _root;
    private Process? _process;

    /// <summary>Default server: JetStream, no auth.</summary>
    public NatsServerFixture() : this([], null) { }

    private NatsServerFixture(string[] extraArgs, string? configText)
    {
        _extraArgs = extraArgs;
        _root = Directory.CreateTempSubdirectory("nats-test-").FullName;
        StoreDir = Path.Combine(_root, "store");
        LogPath = Path.Combine(_root, "nats.log");
        Port = FreePort();
        MonitorPort = FreePort();
        if (configText is not null)
        {
            ConfigPath = Path.Combine(_root, "nats.conf");
            File.WriteAllText(ConfigPath, configText);
        }
    }

    public int Port { get; }
    public int MonitorPort { get; }
    public string StoreDir { get; }
    public string LogPath { get; }
    public string? ConfigPath { get; }
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>Process id of the running server (0 when stopped), e.g. to freeze it with SIGSTOP.</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>Starts a server with extra command-line arguments (e.g. <c>--user u --pass p</c>) and/or a config file text.</summary>
    public static async Task<NatsServerFixture> StartAsync(string[]? extraArgs = null, string? configText = null)
    {
        var fixture = new NatsServerFixture(extraArgs ?? [], configText);
        try
        {
            await fixture.StartProcessAsync();
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
        return fixture;
    }

    /// <summary>Client options for this server with quick reconnects, as tests want them.</summary>
    public NatsOptions ClientOptions() => new()
    {
        Url = Url,
        Name = "sig-engine-tests",
        ReconnectWait = TimeSpan.FromMilliseconds(50),
        MaxReconnectAttempts = 100,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        RequestTimeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>Connects a client with <see cref="ClientOptions"/>, optionally adjusted.</summary>
    public async Task<NatsConnection> ConnectAsync(Func<NatsOptions, NatsOptions>? adjust = null)
    {
        var connection = new NatsConnection(adjust is null ? ClientOptions() : adjust(ClientOptions()));
        await connection.ConnectAsync();
        return connection;
    }

    /// <summary>Kills the server (abrupt, like a crash).</summary>
    public void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { /* already gone */ }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Kills and starts again with the same ports, store and arguments.</summary>
    public async Task RestartAsync()
    {
        Kill();
        await StartProcessAsync();
    }

    Task IAsyncLifetime.InitializeAsync() => StartProcessAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync()
    {
        Kill();
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { /* a file still held open; the temp dir is reclaimed by the OS later */ }
        return ValueTask.CompletedTask;
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(FindServerBinary()) { UseShellExecute = false };
        foreach (var arg in (string[])["-a", "127.0.0.1", "-p", Port.ToString(), "-m", MonitorPort.ToString(),
                                       "-js", "-sd", StoreDir, "-l", LogPath])
            info.ArgumentList.Add(arg);
        if (ConfigPath is not null) { info.ArgumentList.Add("-c"); info.ArgumentList.Add(ConfigPath); }
        foreach (var arg in _extraArgs) info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("nats-server did not start");
        await WaitUntilHealthyAsync();
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"nats-server exited with {_process.ExitCode}; log:\n{LogTail()}");
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{MonitorPort}/healthz");
                if (response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains("ok")) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) { /* slow start */ }
            await Task.Delay(25);
        }
        Kill();
        throw new TimeoutException($"nats-server not healthy within {ReadyTimeout.TotalSeconds} s; log:\n{LogTail()}");
    }

    private string LogTail() =>
        File.Exists(LogPath) ? string.Join('\n', File.ReadAllLines(LogPath).TakeLast(20)) : "(no log)";

    private static string FindServerBinary()
    {
        if (Environment.GetEnvironmentVariable("NATS_SERVER") is { Length: > 0 } explicitPath) return explicitPath;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "nats-server");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            "nats-server is not on PATH (install it: apt-get install -y nats-server, or set NATS_SERVER to the binary)");
    }

    /// <summary>A loopback port nothing listens on right now (bind port 0, read it, release it).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
