using System.Text;
using NATS.Client.JetStream;
using Sig.Actors.Live;
using Sig.Engine.Config;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Live;

/// <summary>
/// A server whose max_payload is below a minute's output: the publish cannot succeed by retrying,
/// so the session stops with one error naming max_payload and the minute (instead of retrying forever
/// or dropping the minute), and SIG_OUT ends with the digest of the minute before.
/// </summary>
public sealed class LiveMaxPayloadTests
{
    [Fact]
    public async Task An_output_over_the_servers_max_payload_stops_the_session_with_an_error_naming_it()
    {
        // Md messages of the clean day fit in 1 KB; an intraday message (27 named values) does not.
        await using var server = await NatsServerFixture.StartAsync(configText: "max_payload: 1024\n");
        var subjects = new MarketSubjects();
        await using var nats = await server.ConnectAsync();
        await subjects.EnsureMdStreamAsync(new NatsJSContext(nats));
        var day = LiveDayKit.CleanDay(subjects);
        for (int i = 0; i < 3 * 3 + 1; i++) // the reference and minutes 1..3
            await NatsTestKit.PublishToStreamAsync(nats, day[i].Subject, Encoding.ASCII.GetBytes(day[i].Payload), $"t:{i}");

        string journal = Directory.CreateTempSubdirectory("live-max-payload-").FullName;
        try
        {
            var session = new LiveSession(new EngineConfig(), server.ClientOptions(), new LiveSessionOptions { JournalDirectory = journal, StopAfterClose = true },
                new CpuComputeBackend(1));
            using var bound = new CancellationTokenSource(NatsTestKit.Deadline);
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => session.RunAsync(bound.Token));
            Assert.False(bound.IsCancellationRequested, "the session did not stop by itself");
            Assert.Contains("max_payload", error.Message);
            var failed = System.Text.RegularExpressions.Regex.Match(error.Message, @"^minute (\d+): ");
            Assert.True(failed.Success, error.Message);
            // The minute that could not be published is not in SIG_OUT: its digest, which goes last, never went out.
            var outStream = await subjects.EnsureOutStreamAsync(new NatsJSContext(nats));
            var lastDigest = await StoredMessages.GetLastAsync(outStream, subjects.Digest);
            int lastPublished = lastDigest is null ? 0 : NatsOutputPublisher.ParseMsgId(lastDigest.MsgId!)!.Value.Minute;
            Assert.Equal(int.Parse(failed.Groups[1].Value) - 1, lastPublished);
        }
        finally
        {
            Directory.Delete(journal, recursive: true);
        }
    }
}
