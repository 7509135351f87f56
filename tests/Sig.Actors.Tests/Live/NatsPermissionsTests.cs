using NATS.Client.Core;
using NATS.Client.JetStream;
using System.Security.Cryptography;
using System.Text;
using Sig.Actors.Live;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Sig.Replay.Feed;
using Xunit;

namespace Sig.Actors.Tests.Live;

/// <summary>
/// The production answer to forged md: config/nats-server.example.conf, as shipped, on a real
/// nats-server. Only the feed's user may publish md; another client's forged close is refused by
/// the server and never reaches SIG_MD or the engine, which runs with its own user.
/// </summary>
public sealed class NatsPermissionsTests
{
    private static string ExampleConfig()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "config", "nats-server.example.conf");
            if (File.Exists(path)) return File.ReadAllText(path);
        }
        throw new FileNotFoundException("config/nats-server.example.conf not found above the test binaries");
    }

    [Fact]
    public async Task Only_the_feed_user_may_publish_md_and_the_engine_runs_with_its_own_user()
    {
        // The "pw-" prefix matters: nats-server parses a substituted variable as a config value, so
        // a password starting with digits (hex often does) becomes a number and the server refuses the file.
        var passwords = new[] { "FEED", "ENGINE", "READER" }.ToDictionary(u => u, _ => "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)));
        // The server reads the passwords from its environment (inherited from this process), as the example says.
        foreach (var (user, password) in passwords) Environment.SetEnvironmentVariable($"NATS_{user}_PASSWORD", password);
        await using var server = await NatsServerFixture.StartAsync(configText: ExampleConfig());
        var subjects = new MarketSubjects();
        NatsOpts As(string user) => NatsClientSettings.From(new Sig.Engine.Config.NatsOptions { Url = server.Url }, null, "test-" + user,
            name => name switch { NatsClientSettings.UserVariable => user, NatsClientSettings.PasswordVariable => passwords[user.ToUpperInvariant()], _ => null })
            with { ReconnectWaitMin = TimeSpan.FromMilliseconds(50) };

        // Nobody gets in anonymously.
        await using (var anonymous = new NatsConnection(server.ClientOptions() with { MaxReconnectRetry = 0 }))
            Assert.True(NatsErrors.IsAuthError(await Assert.ThrowsAnyAsync<NatsException>(async () => await anonymous.ConnectAsync())));

        // The feed publishes the day through the real feed publisher (stream create/info/msg-get verification included).
        var day = LiveDayKit.CleanDay(subjects);
        await using (var feed = new NatsConnection(As("feed")))
        {
            await feed.ConnectAsync();
            var messages = day.Select((m, i) => new FeedMessage(m.Subject, Encoding.ASCII.GetBytes(m.Payload), $"feed:2024-03-04:{i}", 1,
                m.Subject == subjects.MdRef ? FeedMessageKind.Reference : m.Subject == subjects.MdClock ? FeedMessageKind.Clock : FeedMessageKind.Trade, 0, i));
            var fed = await new DayFeedPublisher(feed, subjects).PublishAsync(messages);
            Assert.Equal(day.Count, fed.Stored);
        }

        // A reader, and the engine's own user, try to forge the close: the server refuses both.
        foreach (var forger in new[] { "reader", "engine" })
        {
            await using var nats = new NatsConnection(As(forger));
            var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            nats.ServerError += (_, e) =>
            {
                refused.TrySetResult(e.Error);
                return ValueTask.CompletedTask;
            };
            await nats.ConnectAsync();
            await nats.PublishAsync(subjects.MdClock, Encoding.ASCII.GetBytes(LiveDayKit.Clock(150000001)));
            await nats.PingAsync();
            var error = await refused.Task.WaitAsync(NatsTestKit.Deadline);
            Assert.Contains("Permissions Violation for Publish", error);
        }
        await using (var feed = new NatsConnection(As("feed")))
        {
            await feed.ConnectAsync();
            Assert.Equal(day.Count, (await new NatsJSContext(feed).GetStreamAsync(MarketSubjects.MdStream)).Info.State.Messages);
        }

        // The engine, with its own user, consumes the day to the close: the clean day's digest, no reject.
        string journal = Directory.CreateTempSubdirectory("live-permissions-").FullName;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var result = await new LiveSession(new EngineConfig(), As("engine"), new LiveSessionOptions
            {
                JournalDirectory = journal, StopAfterClose = true, Source = new LiveSourceOptions { FetchWait = TimeSpan.FromMilliseconds(50) },
            }, new CpuComputeBackend(1)).RunAsync(timeout.Token);
            Assert.False(timeout.IsCancellationRequested, "the engine did not reach the close");
            Assert.Equal(SessionBars.BarsPerDay, result.Manifest.LastMinute);
            Assert.Equal(0, result.Rejects.Messages);
            string clean = PipelineKit.Run(new MdMessageSource(day.Select(m => (m.Subject, Encoding.ASCII.GetBytes(m.Payload))), new MdMessageParser(subjects))).Pipeline.DigestHex;
            Assert.Equal(clean, result.OutputDigest);
        }
        finally
        {
            Directory.Delete(journal, recursive: true);
        }
    }
}
