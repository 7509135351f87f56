using NATS.Client.Core;
using NATS.Client.JetStream;
using System.Text;
using System.Text.Json;
using Sig.Actors.Live;
using Sig.Actors.Sources;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Nats;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Tests.Nats;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Live;

/// <summary>
/// A whole day over a real nats-server with the forged messages that used to end or poison it
/// injected at minute 50: the session still closes at 240 with the digest of the clean day,
/// and the manifest's reject counters equal what was journaled and published.
/// </summary>
public sealed class LiveForgedInputTests : IAsyncLifetime
{
    private const string RefHeader = LiveDayKit.RefHeader;
    private readonly MarketSubjects _subjects = new();
    private NatsServerFixture _server = null!;
    private string _journal = null!;

    public async Task InitializeAsync()
    {
        _server = await NatsServerFixture.StartAsync();
        _journal = Directory.CreateTempSubdirectory("live-forged-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_journal, recursive: true);
    }

    private static string Trade(string symbol, int time, long seq, int minute, string date = "2024-03-04") => LiveDayKit.Trade(symbol, time, seq, minute, date);

    private static string Clock(int time) => LiveDayKit.Clock(time);

    private List<(string Subject, string Payload)> CleanDay() => LiveDayKit.CleanDay(_subjects);

    [Fact]
    public async Task Forged_messages_mid_session_are_counted_rejects_and_the_day_closes_with_the_clean_digest()
    {
        var clean = CleanDay();
        string a = _subjects.MdTrade("000001.SZ");
        var forged = new List<(string, string)>
        {
            (_subjects.MdRef, RefHeader + "\n2024-03-05,000001.SZ,10.00,1,Bank,1000000,800000,0,11.00,9.00\n2024-03-05,600000.SH,10.00,1,Bank,1000000,800000,0,11.00,9.00"),
            (_subjects.MdClock, Clock(150000001)),
            (a, Trade("000001.SZ", 102000500, 900_000_000_000_000, 50)),
            (_subjects.MdTrade("600000.SH"), string.Join('\n', Enumerable.Range(1, 20_000).Select(k => Trade("600000.SH", 102000600, k, 50, date: "2024-03-05")))),
        };
        forged.AddRange(Enumerable.Range(0, 30).Select(_ => (a, "garbage")));
        // Minute m's clock is message 3m of the clean day: the forgeries follow minute 50's, one more reject follows minute 51's.
        var day = new List<(string Subject, string Payload)>(clean);
        day.InsertRange(3 * 50 + 1, [.. forged]);
        day.Insert(3 * 51 + 1 + forged.Count, (a, "one,more"));

        await using var nats = await _server.ConnectAsync();
        await using var rejects = await nats.SubscribeCoreAsync<byte[]>(_subjects.Rejects);
        await nats.PingAsync(); // the rejects SUB is in place
        await _subjects.EnsureMdStreamAsync(new NatsJSContext(nats));
        for (int i = 0; i < day.Count; i++) await NatsTestKit.PublishToStreamAsync(nats, day[i].Subject, Encoding.ASCII.GetBytes(day[i].Payload), $"t:{i}");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var session = new LiveSession(new EngineConfig(), _server.ClientOptions(), new LiveSessionOptions
        {
            JournalDirectory = _journal, StopAfterClose = true, Source = new LiveSourceOptions { FetchWait = TimeSpan.FromMilliseconds(50) },
        }, new CpuComputeBackend(1));
        var result = await session.RunAsync(timeout.Token);

        // The day closed by itself (not by the timeout) with the outputs of the clean day.
        Assert.False(timeout.IsCancellationRequested, "the session did not reach the close");
        Assert.Equal(SessionBars.BarsPerDay, result.Manifest.LastMinute);
        Assert.Equal(2 * SessionBars.BarsPerDay, result.Counters.EventsApplied);
        string cleanDigest = PipelineKit.Run(new MdMessageSource(clean.Select(m => (m.Subject, Encoding.ASCII.GetBytes(m.Payload))), new MdMessageParser(_subjects))).Pipeline.DigestHex;
        Assert.Equal(cleanDigest, result.OutputDigest);
        Assert.Equal(result.OutputDigest, PipelineKit.Run(new JournalEventSource(_journal)).Pipeline.DigestHex);

        // Counters: 35 refused messages holding 20,035 rows; of the 32 on one subject in minute 50, 10 published and 21 suppressed.
        var expected = new RejectCounters(Messages: 35, Rows: 2 + 1 + 1 + 20_000 + 30 + 1, Published: 14, Suppressed: 21);
        Assert.Equal(expected, result.Rejects);
        var manifest = RunManifest.FromJson(File.ReadAllText(Path.Combine(_journal, LiveSession.ManifestFileName)));
        Assert.Equal((expected.Rows, expected.Messages, expected.Published, expected.Suppressed),
                     (manifest.RejectedRows, manifest.RejectMessages, manifest.RejectsPublished, manifest.RejectsSuppressed));

        // ... which is what the journal holds (each refused message once) ...
        var journaled = new List<MarketReject>();
        using (var reader = JournalReader.Open(_journal))
            while (reader.TryReadNext(out var record))
                if (record.Type == (byte)MarketInputKind.Rejected) journaled.Add(MarketJournalCodec.Decode(record).Reject!);
        Assert.Equal(expected.Messages, journaled.Count);
        Assert.Equal(expected.Rows, journaled.Sum(r => (long)r.Rows));
        Assert.Equal(expected.Suppressed, journaled.Count(r => r.Suppressed));
        Assert.Contains(journaled, r => r.Rows == 20_000);

        // ... and what reached sig.engine.rejects.
        await nats.PingAsync();
        var published = new List<JsonElement>();
        var deadline = DateTime.UtcNow.AddSeconds(10); // wall-clock ok: a deadline for messages in flight, not an assertion
        while (published.Count < expected.Published && DateTime.UtcNow < deadline)
            if (await rejects.Msgs.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)) && rejects.Msgs.TryRead(out var msg))
                published.Add(JsonDocument.Parse(msg.Data).RootElement.Clone());
        Assert.Equal(expected.Published, published.Count);
        Assert.False(rejects.Msgs.TryRead(out _));
        Assert.Contains(published, r => r.GetProperty("reason").GetString()!.Contains("not a new day"));
        Assert.Contains(published, r => r.GetProperty("reason").GetString()!.StartsWith("clock jump"));
        Assert.Contains(published, r => r.GetProperty("reason").GetString()!.StartsWith("seq jump"));
        Assert.Equal(21, published[^1].GetProperty("suppressedBefore").GetInt64());
    }
}
