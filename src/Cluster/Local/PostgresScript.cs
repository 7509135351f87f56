using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sig.Cluster.Local;

/// <summary>
/// The project's <c>scripts/pg-throwaway</c>, which `engine cluster up` runs for a local cluster
/// whose snapshots go to PostgreSQL: a PostgreSQL 15 on a free loopback port, trust authentication,
/// in a fresh temporary directory that <see cref="Stop"/> deletes.
/// </summary>
public static class PostgresScript
{
    /// <summary>Starts a server; returns its directory (for <see cref="Stop"/>) and its Npgsql connection string.</summary>
    public static (string Directory, string Connection) Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (code, stdout, stderr) = Run("start", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (code != 0) throw new InvalidOperationException($"scripts/pg-throwaway start failed ({code}): {stderr.Trim()}");
        string Value(string key) => stdout.Split('\n').Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..].Trim();
        return (Value("dir"), Value("connection"));
    }

    /// <summary>Stops the server started in <paramref name="directory"/> and deletes the directory.</summary>
    public static void Stop(string directory) => Run("stop", directory);

    /// <summary>The script: under the current directory or a directory above the engine's binaries.</summary>
    public static string Locate()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "scripts", "pg-throwaway");
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException("scripts/pg-throwaway not found (run from the repository, or pass a snapshot connection)");
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var info = new ProcessStartInfo(Locate()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start scripts/pg-throwaway");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
