using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Engine.Nats;

namespace Sig.Cluster.Local;

/// <summary>
/// A JetStream cluster of nats-server processes on loopback (server names <c>n0…</c>, routes
/// between all of them, each with its store, log and config under <c>&lt;root&gt;/nats-&lt;i&gt;</c>).
/// The processes are detached from the caller (own output files), so `engine cluster up` can
/// return while they run; <see cref="Kill"/> / `engine cluster down` stop them.
/// </summary>
public sealed class NatsServerCluster
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Client ports, route ports and process ids (0 = not running) of the servers.</summary>
    public int[] ClientPorts { get; }
    /// <summary>Cluster route ports.</summary>
    public int[] RoutePorts { get; }
    /// <summary>Process ids (0: not started).</summary>
    public int[] Pids { get; }
    /// <summary>The md partitioning the servers map subjects into (null: none).</summary>
    public MdPartitions? MdPartitions { get; }
    /// <summary>The servers' directory.</summary>
    public string Root { get; }

    /// <param name="root">Directory for the servers' stores, logs and configs.</param>
    /// <param name="servers">Number of servers (3 for R3 streams).</param>
    /// <param name="mdPartitions">The partitioned md input's subject mappings each server applies (null: none, the whole md input).</param>
    public NatsServerCluster(string root, int servers, MdPartitions? mdPartitions = null)
    {
        MdPartitions = mdPartitions;
        ArgumentOutOfRangeException.ThrowIfLessThan(servers, 1);
        Root = root;
        var ports = LocalNatsServer.FreePorts(2 * servers); // distinct: a client port equal to a route port failed a server
        ClientPorts = ports[..servers];
        RoutePorts = ports[servers..];
        Pids = new int[servers];
    }

    /// <summary>The client URLs (what a client takes as one comma-separated URL).</summary>
    public string[] Urls => [.. ClientPorts.Select(p => $"nats://127.0.0.1:{p}")];

    /// <summary>Directory of server <paramref name="i"/>.</summary>
    public string ServerDir(int i) => Path.Combine(Root, $"nats-{i}");

    /// <summary>Starts every server, then waits until JetStream has a meta leader (an account request answers on every server).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < Pids.Length; i++) Start(i);
        await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts server <paramref name="i"/> (again, after <see cref="Kill"/>: same ports and store).</summary>
    public void Start(int i)
    {
        string dir = ServerDir(i);
        Directory.CreateDirectory(dir);
        string routes = string.Join(", ", RoutePorts.Select(p => $"nats-route://127.0.0.1:{p}"));
        string conf = Path.Combine(dir, "nats.conf");
        File.WriteAllText(conf, $$"""
            server_name: n{{i}}
            listen: 127.0.0.1:{{ClientPorts[i]}}
            max_payload: 8MB
            jetstream { store_dir: "{{Path.Combine(dir, "store")}}" }
            cluster { name: sig, listen: 127.0.0.1:{{RoutePorts[i]}}, routes: [{{routes}}] }
            {{MdPartitions?.ServerConfig()}}
            """);
        Pids[i] = Detached.Start(NatsBinary(), ["-c", conf, "-l", Path.Combine(dir, "nats.log")], Path.Combine(dir, "stdout.log"));
    }

    /// <summary>kill -9 of server <paramref name="i"/>.</summary>
    public void Kill(int i)
    {
        Detached.Kill(Pids[i]);
        Pids[i] = 0;
    }

    /// <summary>Kills every server.</summary>
    public void KillAll()
    {
        for (int i = 0; i < Pids.Length; i++) Kill(i);
    }

    /// <summary>Waits until a client on each server sees JetStream (the meta group has a leader).</summary>
    public async Task WaitReadyAsync(CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew(); // wall-clock ok: a start-up deadline, never shapes outputs
        string last = "no answer";
        for (int i = 0; i < Pids.Length; i++)
        {
            if (Pids[i] == 0) continue;
            while (true)
            {
                if (deadline.Elapsed > ReadyTimeout) throw new TimeoutException($"NATS cluster not ready within {ReadyTimeout.TotalSeconds} s ({last}); logs in {Root}");
                try
                {
                    await using var client = new NatsConnection(NatsClientSettings.Defaults(Urls[i], "sig-cluster-readiness") with
                    {
                        ConnectTimeout = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromSeconds(2), NoRandomize = true,
                    });
                    await client.ConnectAsync().ConfigureAwait(false);
                    await new NatsJSContext(client).GetAccountInfoAsync(cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    last = e.Message;
                }
                await Task.Delay(100, cancellationToken).ConfigureAwait(false); // wall-clock ok: polling starting processes
            }
        }
    }

    /// <summary>Creates (or confirms) SIG_MD and SIG_OUT with <paramref name="subjects"/>' replicas, retrying while the cluster elects leaders.</summary>
    public static async Task EnsureStreamsAsync(NatsConnection connection, MarketSubjects subjects, CancellationToken cancellationToken = default)
    {
        var js = new NatsJSContext(connection);
        var deadline = Stopwatch.StartNew(); // wall-clock ok: a start-up deadline
        while (true)
        {
            try
            {
                await subjects.EnsureMdStreamAsync(js, cancellationToken).ConfigureAwait(false);
                await subjects.EnsureOutStreamAsync(js, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NatsJSApiException e) when (deadline.Elapsed < ReadyTimeout && e.Error.Code == 503)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false); // wall-clock ok: waiting for a leader election
            }
            catch (NatsJSException) when (deadline.Elapsed < ReadyTimeout)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false); // wall-clock ok: waiting for a leader election
            }
        }
    }

    private static string NatsBinary()
    {
        if (Environment.GetEnvironmentVariable("NATS_SERVER") is { Length: > 0 } explicitPath && File.Exists(explicitPath)) return explicitPath;
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin");
        return dirs.Select(d => Path.Combine(d, "nats-server")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server is not installed (apt-get install -y nats-server, or set NATS_SERVER to the binary)");
    }
}

/// <summary>Processes that outlive their starter: started through <c>sh -c exec</c> with stdin, stdout and stderr on files.</summary>
public static class Detached
{
    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/>, output appended to <paramref name="output"/>; returns its pid.</summary>
    public static int Start(string file, IEnumerable<string> args, string output)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$SIG_DETACHED_OUT\" 2>&1 </dev/null");
        info.ArgumentList.Add(file);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["SIG_DETACHED_OUT"] = output;
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        return p.Id;
    }

    /// <summary>True while process <paramref name="pid"/> runs.</summary>
    public static bool IsRunning(int pid)
    {
        if (pid <= 0) return false;
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>kill -9, then waits (bounded) until it is gone.</summary>
    public static void Kill(int pid)
    {
        if (pid <= 0) return;
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
            p.WaitForExit(10_000);
        }
        catch (ArgumentException) { /* gone */ }
        catch (InvalidOperationException) { /* gone */ }
    }

    /// <summary>SIGTERM (a graceful stop: a node leaves the cluster), then kill -9 after <paramref name="grace"/>.</summary>
    public static void Stop(int pid, TimeSpan grace)
    {
        if (!IsRunning(pid)) return;
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false }))
            kill?.WaitForExit(5000);
        try
        {
            using var p = Process.GetProcessById(pid);
            if (!p.WaitForExit(grace)) Kill(pid);
        }
        catch (ArgumentException) { /* gone */ }
    }
}
