using System.Text;
using System.Text.Json;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>
/// Credentials and NATS failures at the CLI against a real nats-server with a password: a
/// credential never shows in any output, log, manifest or journal; a wrong password or no server
/// is one line on stderr and exit 1 for every NATS command; SIGTERM during an outage stops cleanly.
/// </summary>
public sealed class NatsCredentialsCliTests(LiveMarketFixture market) : IClassFixture<LiveMarketFixture>, IAsyncLifetime
{
    private const string User = "alice", Password = "S3cretPW", WrongPassword = "Wr0ngPW";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private NatsServerFixture _server = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _server = await NatsServerFixture.StartAsync(["--user", User, "--pass", Password]);
        _work = Directory.CreateTempSubdirectory("engine-creds-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, true);
    }

    private string Journal => Path.Combine(_work, "journal");
    private string UrlWith(string password) => $"nats://{User}:{password}@127.0.0.1:{_server.Port}";
    private static Dictionary<string, string> Env(string password) =>
        new() { [NatsClientSettings.UserVariable] = User, [NatsClientSettings.PasswordVariable] = password };

    /// <summary>Exit 1, exactly one non-empty line on stderr containing <paramref name="expected"/>, nothing of <paramref name="secret"/> anywhere.</summary>
    private static void AssertOneLineFailure((int Code, string Stdout, string Stderr) run, string expected, string secret)
    {
        Assert.True(run.Code == 1, $"exit {run.Code}: {run.Stdout}{run.Stderr}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, run.Stderr);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain(secret, run.Stdout + run.Stderr);
    }

    [Fact]
    public void A_wrong_password_or_no_server_is_one_masked_line_and_exit_1_for_every_nats_command()
    {
        string[] feed = ["feed", "--store", market.Store, "--date", market.DateText];
        string[] live = ["live", "--journal", Journal, "--stop-after-close"];
        // The failure: feed printed nats://alice:<password>@… and live died with a stack trace (exit 134).
        AssertOneLineFailure(EngineProcess.Run(Timeout, [.. feed, "--nats", UrlWith(WrongPassword)]), "Authorization Violation", WrongPassword);
        AssertOneLineFailure(EngineProcess.Run(Timeout, [.. live, "--nats", UrlWith(WrongPassword)]), "Authorization Violation", WrongPassword);
        AssertOneLineFailure(EngineProcess.Run(Timeout, Env(WrongPassword), [.. feed, "--nats", _server.Url]), "Authorization Violation", WrongPassword);
        AssertOneLineFailure(EngineProcess.Run(Timeout, Env(WrongPassword), [.. live, "--nats", _server.Url]), "Authorization Violation", WrongPassword);

        string nowhere = $"nats://{User}:{Password}@127.0.0.1:{NatsServerFixture.FreePort()}";
        AssertOneLineFailure(EngineProcess.Run(Timeout, [.. feed, "--nats", nowhere]), "cannot connect", Password);
        AssertOneLineFailure(EngineProcess.Run(Timeout, [.. live, "--nats", nowhere]), "cannot connect", Password);
        // bench live runs its own server: without one it says so in one line.
        AssertOneLineFailure(EngineProcess.Run(Timeout, new Dictionary<string, string> { ["NATS_SERVER"] = Path.Combine(_work, "no-nats-server") },
            "bench", "live", "--stocks", "2"), "needs nats-server", Password);
    }

    [Fact]
    public void Credentials_from_the_url_or_the_environment_work_and_never_show_in_output_manifest_or_journal()
    {
        var fed = EngineProcess.Run(Timeout, "feed", "--store", market.Store, "--date", market.DateText, "--nats", UrlWith(Password));
        Assert.True(fed.ExitCode == 0, fed.Stderr);
        Assert.Contains($"nats://{NatsUrl.Mask}@127.0.0.1:{_server.Port}", fed.Stdout); // where the password used to be printed
        var refed = EngineProcess.Run(Timeout, Env(Password), "feed", "--store", market.Store, "--date", market.DateText, "--nats", _server.Url);
        Assert.True(refed.ExitCode == 0, refed.Stderr);

        var run = EngineProcess.Run(Timeout, Env(Password), "live", "--nats", _server.Url, "--journal", Journal, "--stop-after-close");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(market.ReplayDigest, EngineProcess.DigestOf(run.Stdout));
        // Restarted with the password in the URL (the worst case): recovered from the journal, still nothing printed or stored.
        var again = EngineProcess.Run(Timeout, "live", "--nats", UrlWith(Password), "--journal", Journal, "--stop-after-close");
        Assert.True(again.ExitCode == 0, again.Stderr);

        foreach (string text in new[] { fed.Stdout, fed.Stderr, refed.Stdout, refed.Stderr, run.Stdout, run.Stderr, again.Stdout, again.Stderr })
            Assert.DoesNotContain(Password, text);
        byte[] secret = Encoding.ASCII.GetBytes(Password);
        foreach (string file in Directory.EnumerateFiles(Journal, "*", SearchOption.AllDirectories))
            Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(secret) < 0, $"{file} holds the password");
    }

    [Fact]
    public async Task Sigterm_during_a_nats_outage_exits_cleanly()
    {
        await using var nats = await _server.ConnectAsync(o => o with { AuthOpts = new NATS.Client.Core.NatsAuthOpts { Username = User, Password = Password } });
        await using var status = await nats.SubscribeCoreAsync<byte[]>(new MarketSubjects().Status);
        await nats.PingAsync();
        using var live = EngineProcess.Start(Env(Password), "live", "--nats", _server.Url, "--journal", Journal);
        while (true)
        {
            var msg = await status.Msgs.ReadAsync().AsTask().WaitAsync(Timeout);
            if (JsonDocument.Parse(msg.Data).RootElement.GetProperty("state").GetString() == "live") break;
        }
        _server.Kill();
        live.Terminate();
        Assert.True(live.WaitForExit(Timeout), "live did not stop on SIGTERM during the outage: " + live.Stderr);
        // The failure: exit 134 with a stack trace.
        Assert.True(live.ExitCode == 0, live.Stderr);
        Assert.DoesNotContain("   at ", live.Stderr);
        Assert.StartsWith("output digest: ", live.Stdout.Trim().Split('\n')[^1]);
    }
}
