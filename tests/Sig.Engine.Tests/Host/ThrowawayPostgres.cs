using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>A PostgreSQL 15 started on loopback by scripts/pg-throwaway for one test, stopped and deleted at dispose.</summary>
public sealed class ThrowawayPostgres : IDisposable
{
    private static readonly string PgBin = Environment.GetEnvironmentVariable("PGBIN") is { Length: > 0 } bin ? bin : "/usr/lib/postgresql/15/bin";
    private readonly string _script;
    private readonly string _dir;

    /// <summary>The Npgsql connection string of the server.</summary>
    public string ConnectionString { get; }

    /// <summary>True when the PostgreSQL binaries the script needs are installed.</summary>
    public static bool Available => File.Exists(Path.Combine(PgBin, "pg_ctl"));

    public ThrowawayPostgres()
    {
        _script = Script();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (code, stdout, stderr) = RunScript("start", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(code == 0, $"scripts/pg-throwaway start failed: {stderr}");
        string Value(string key) => stdout.Split('\n').Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..].Trim();
        _dir = Value("dir");
        ConnectionString = Value("connection");
    }

    public void Dispose() => RunScript("stop", _dir);

    private (int, string, string) RunScript(params string[] args)
    {
        var info = new ProcessStartInfo(_script) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Script() => RepositoryFile.Find(Path.Combine("scripts", "pg-throwaway"));
}

/// <summary>A test that needs PostgreSQL 15: skipped, saying how to install it, when its binaries are absent.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!ThrowawayPostgres.Available) Skip = "PostgreSQL 15 binaries are not installed (./scripts/dev deps installs the postgresql package)";
    }
}
