using System.Diagnostics;
using System.Net;
using NATS.Client.Core;
using NATS.Client.JetStream;
using System.Net.Sockets;

namespace Sig.Engine.Nats;

/// <summary>
/// A nats-server process with JetStream on free loopback ports, its store and log under a
/// directory of its own: what `engine demo`, `engine bench live` and the tests start. Readiness is
/// checked with the official client (connect plus a JetStream request). Found
/// through <c>NATS_SERVER</c>, PATH or /usr/sbin; <see cref="IsInstalled"/> says whether it can run.
/// </summary>
public sealed class LocalNatsServer : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);
    private readonly string[] _extraArgs;
    private readonly bool _ownsRoot;
    private Process? _process;

    /// <param name="root">Directory for the store and log (a fresh temp directory, deleted on dispose, when null).</param>
    /// <param name="extraArgs">More command-line arguments (e.g. <c>--user u --pass p</c>).</param>
    /// <param name="configText">The config file's text (default: <c>max_payload: 8MB</c>, room for a whole-market snapshot).</param>
    public LocalNatsServer(string? root = null, string[]? extraArgs = null, string? configText = null)
    {
        _ownsRoot = root is null;
        Root = root ?? Directory.CreateTempSubdirectory("nats-").FullName;
        Directory.CreateDirectory(Root);
        _extraArgs = extraArgs ?? [];
        StoreDir = Path.Combine(Root, "store");
        LogPath = Path.Combine(Root, "nats.log");
        Port = FreePort();
        MonitorPort = FreePort();
        // A whole-market snapshot (5000 symbols × 27 values) is over NATS's default 1 MB payload limit.
        ConfigPath = Path.Combine(Root, "nats.conf");
        File.WriteAllText(ConfigPath, configText ?? "max_payload: 8MB\n");
    }

    public string Root { get; }
    public int Port { get; }
    public int MonitorPort { get; }
    public string StoreDir { get; }
    public string LogPath { get; }
    public string ConfigPath { get; }
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>Process id of the running server (0 when stopped).</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>True when a nats-server binary can be found.</summary>
    public static bool IsInstalled => TryFindBinary() is not null;

    /// <summary>Starts the server and waits until its health endpoint answers.</summary>
    public async Task StartAsync()
    {
        string binary = TryFindBinary() ?? throw new InvalidOperationException(
            "nats-server is not installed (apt-get install -y nats-server, or set NATS_SERVER to the binary)");
        var info = new ProcessStartInfo(binary) { UseShellExecute = false };
        foreach (var arg in (string[])["-a", "127.0.0.1", "-p", Port.ToString(), "-m", MonitorPort.ToString(), "-js", "-sd", StoreDir, "-l", LogPath])
            info.ArgumentList.Add(arg);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(ConfigPath);
        foreach (var arg in _extraArgs) info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("nats-server did not start");
        await WaitUntilReadyAsync().ConfigureAwait(false);
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
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Kills and starts again with the same ports, store and arguments.</summary>
    public async Task RestartAsync()
    {
        Kill();
        await StartAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        if (_ownsRoot)
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { /* a file still held open; the temp dir is reclaimed later */ }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Options of the client that checks readiness (default: anonymous, plain TCP). A server with
    /// authentication counts as ready once it answers with an authorization verdict; one with TLS
    /// needs options that trust its CA.
    /// </summary>
    public NatsOpts? ReadinessClient { get; init; }

    /// <summary>Ready when a client connects and JetStream answers (the official client's connect and account-info request).</summary>
    private async Task WaitUntilReadyAsync()
    {
        var options = (ReadinessClient ?? NatsClientSettings.Defaults(Url, "local-nats-readiness")) with
        {
            Url = Url, ConnectTimeout = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromSeconds(2),
        };
        var deadline = Stopwatch.StartNew(); // wall-clock ok: a start-up deadline, never shapes outputs
        string last = "no answer";
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"nats-server exited with {_process.ExitCode}; log:\n{LogTail()}");
            try
            {
                await using var client = new NatsConnection(options);
                await client.ConnectAsync().ConfigureAwait(false);
                await new NatsJSContext(client).GetAccountInfoAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException)
            {
                if (NatsErrors.IsAuthError(e)) return; // it answered: up, and only this anonymous probe is refused
                last = NatsErrors.Describe(e);
            }
            await Task.Delay(25).ConfigureAwait(false); // wall-clock ok: polling a starting process
        }
        Kill();
        throw new TimeoutException($"nats-server not ready within {ReadyTimeout.TotalSeconds} s ({last}); log:\n{LogTail()}");
    }

    private string LogTail() =>
        File.Exists(LogPath) ? string.Join('\n', File.ReadAllLines(LogPath).TakeLast(20)) : "(no log)";

    private static string? TryFindBinary()
    {
        if (Environment.GetEnvironmentVariable("NATS_SERVER") is { Length: > 0 } explicitPath) return File.Exists(explicitPath) ? explicitPath : null;
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin");
        return dirs.Select(d => Path.Combine(d, "nats-server")).FirstOrDefault(File.Exists);
    }

    /// <summary>A loopback port nothing listens on right now (bind port 0, read it, release it).</summary>
    public static int FreePort() => FreePorts(1)[0];

    // Ports this process has handed out: the kernel may give a released port back at the next bind,
    // and a port handed out is usually not listened on yet (a server is still starting).
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// <paramref name="count"/> distinct loopback ports nothing listens on right now, none handed out
    /// before in this process: every candidate stays bound until all are picked, so the kernel cannot
    /// give one twice (a cluster's client and route ports once came out equal, and its server failed).
    /// </summary>
    public static int[] FreePorts(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var held = new List<TcpListener>();
        var ports = new List<int>(count);
        try
        {
            lock (HandedOut)
            {
                for (int tries = 0; ports.Count < count; tries++)
                {
                    if (tries > 64 * count) throw new InvalidOperationException($"no {count} free loopback ports not handed out before");
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listener.Start();
                    held.Add(listener);
                    int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                    if (HandedOut.Add(port)) ports.Add(port);
                }
            }
        }
        finally
        {
            foreach (var listener in held) listener.Stop();
        }
        return [.. ports];
    }
}
