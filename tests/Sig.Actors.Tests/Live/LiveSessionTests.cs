using NATS.Client.Core;
using NATS.Client.JetStream;
using System.Text;
using System.Text.Json;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Nats;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Live;

/// <summary>The live session in process against a real nats-server: rejects, status, the snapshot query, journal faults.</summary>
public sealed class LiveSessionTests : IAsyncLifetime
{
    private static readonly DateOnly Date = new(2024, 3, 4);
    private readonly MarketSubjects _subjects = new();
    private NatsServerFixture _server = null!;
    private string _root = null!;

    public async Task InitializeAsync()
    {
        _server = await NatsServerFixture.StartAsync();
        _root = Directory.CreateTempSubdirectory("live-session-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private string JournalDir => Path.Combine(_root, "journal");

    private const string RefHeader = "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down";

    private static string RefRow(string symbol) => $"2024-03-04,{symbol},10.00,1,Bank,1000000,800000,0,11.00,9.00";

    private static string Trade(string symbol, int time, long seq, string price = "10.01", long volume = 100, long buy = 1, long sell = 2, char side = 'B') =>
        $"2024-03-04,{symbol},{time},{seq},{price},{volume},{buy},{sell},{side},F";

    private async Task PublishAsync(NatsConnection nats, string subject, string payload, int id)
    {
        await _subjects.EnsureMdStreamAsync(new NatsJSContext(nats));
        await NatsTestKit.PublishToStreamAsync(nats, subject, Encoding.ASCII.GetBytes(payload), $"t:{id}");
    }

    private static string Clock(int time) => $"{{\"v\":1,\"date\":\"2024-03-04\",\"time\":{time}}}";

    // These sessions get sparse hand-written clocks (e.g. 09:32 then the close), so the clock-jump bound is off here.
    private static readonly EngineConfig SparseClocks = new() { Live = new LiveOptions { MaxClockJumpSeconds = 0 } };

    private LiveSession Session(bool stopAfterClose, Action<MinuteOutput>? onMinute = null, bool jetStream = true, Action? beforeOpen = null, NatsOpts? nats = null) =>
        new(SparseClocks, nats ?? _server.ClientOptions(), new LiveSessionOptions
        {
            JournalDirectory = JournalDir, StopAfterClose = stopAfterClose,
            Source = new LiveSourceOptions { FetchWait = TimeSpan.FromMilliseconds(50), JetStream = jetStream },
            BeforeOpen = beforeOpen,
        }, new CpuComputeBackend(1)) { OnMinute = onMinute };

    [Fact]
    public async Task What_runs_before_the_open_runs_once_after_the_connection_and_before_the_first_status_and_not_at_all_without_a_server()
    {
        await using var nats = await _server.ConnectAsync();
        await using var status = await nats.SubscribeCoreAsync<byte[]>(_subjects.Status);
        await nats.PingAsync();
        int ran = 0;
        bool journalOpen = false;
        var running = Session(stopAfterClose: true, jetStream: false, beforeOpen: () => { ran++; journalOpen = Directory.Exists(JournalDir); })
            .RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        var first = await status.Msgs.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, Volatile.Read(ref ran)); // the session said nothing before it
        Assert.True(journalOpen);
        var msg = first;
        while (JsonDocument.Parse(msg.Data!).RootElement.GetProperty("state").GetString() != "live")
            msg = await status.Msgs.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await nats.PublishAsync(_subjects.MdClock, Encoding.ASCII.GetBytes(Clock(150000001)));
        await running;
        Assert.Equal(1, ran);

        int unreachable = 0;
        await Assert.ThrowsAnyAsync<Exception>(() => Session(stopAfterClose: true, beforeOpen: () => unreachable++,
            nats: _server.ClientOptions() with { Url = "nats://127.0.0.1:1" }).RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token));
        Assert.Equal(0, unreachable);
    }

    [Fact]
    public async Task A_core_subscription_session_consumes_what_is_published_once_it_is_live()
    {
        await using var nats = await _server.ConnectAsync();
        await using var status = await nats.SubscribeCoreAsync<byte[]>(_subjects.Status);
        await nats.PingAsync(); // the SUB is in place before anything is published
        var running = Session(stopAfterClose: true, jetStream: false).RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        while (true)
        {
            var msg = await status.Msgs.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (JsonDocument.Parse(msg.Data).RootElement.GetProperty("state").GetString() == "live") break;
        }
        async Task Core(string subject, string payload) => await nats.PublishAsync(subject, Encoding.ASCII.GetBytes(payload));
        await Core(_subjects.MdRef, RefHeader + "\n" + RefRow("000001.SZ"));
        for (int k = 0; k < 10; k++) await Core(_subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93000000 + k * 100000, k + 1, price: $"10.{k:00}"));
        await Core(_subjects.MdClock, Clock(150000001));
        var result = await running;
        Assert.Equal(10, result.Counters.EventsApplied);
        Assert.Equal(ReplayJournal(JournalDir), result.OutputDigest);
    }

    private static string ReplayJournal(string dir) => PipelineKit.Run(new JournalEventSource(dir)).Pipeline.DigestHex;

    [Fact]
    public async Task Malformed_late_and_foreign_rows_are_rejected_once_each_and_the_engine_keeps_going()
    {
        await using var nats = await _server.ConnectAsync();
        var rejects = new List<JsonElement>();
        await using var sub = await nats.SubscribeCoreAsync<byte[]>(_subjects.Rejects);
        await nats.PingAsync(); // the SUB is in place before anything is published
        int id = 0;
        await PublishAsync(nats, _subjects.MdRef, RefHeader + "\n" + RefRow("000001.SZ") + "\n" + RefRow("600000.SH") + "\nbroken,row", ++id);
        await PublishAsync(nats, _subjects.MdTrade("000001.SZ"), string.Join('\n',
            Trade("000001.SZ", 93000100, 1), "2024-03-04,000001.SZ,93000200,2,10.02", Trade("600000.SH", 93000300, 3), Trade("000001.SZ", 93000400, 4)), ++id);
        await PublishAsync(nats, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93000500, 4), ++id); // duplicate seq
        await PublishAsync(nats, _subjects.MdClock, Clock(93200000), ++id);                                // closes minutes 1 and 2
        await PublishAsync(nats, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93100000, 9), ++id);  // late: bar 2 closed
        await PublishAsync(nats, _subjects.MdTrade("600000.SH"), Trade("600000.SH", 94000000, 10, price: "abc"), ++id);
        await PublishAsync(nats, _subjects.MdClock, "{\"v\":1,\"date\":\"2024-03-04\"}", ++id);
        await PublishAsync(nats, _subjects.MdTrade("600000.SH"), Trade("600000.SH", 100000000, 11), ++id);
        await PublishAsync(nats, _subjects.MdClock, Clock(150000001), ++id);
        await nats.PingAsync();

        var result = await Session(stopAfterClose: true).RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        await nats.PingAsync();
        while (sub.Msgs.TryRead(out var msg)) rejects.Add(JsonDocument.Parse(msg.Data).RootElement.Clone());

        // One reject per refused message, naming its first refused row and counting its rows.
        string[] reasons = rejects.Select(r => r.GetProperty("reason").GetString()!).ToArray();
        Assert.Equal(6, rejects.Count);
        Assert.Contains(reasons, r => r.StartsWith("wrong column count"));                         // the ref row and the short trade row
        Assert.Contains(reasons, r => r.StartsWith("duplicate or decreasing seq"));
        Assert.Contains(reasons, r => r.StartsWith("late event"));
        Assert.Contains(reasons, r => r == "unparsable number");
        Assert.Contains(reasons, r => r.StartsWith("malformed clock"));
        var shortRow = rejects.Single(r => r.GetProperty("reason").GetString() == "wrong column count" && r.GetProperty("subject").GetString() == "sig.md.trade.000001_SZ");
        Assert.Equal(2, shortRow.GetProperty("line").GetInt32());
        Assert.Equal(2, shortRow.GetProperty("rows").GetInt32()); // the short row and the row of another symbol
        Assert.Equal(new[] { "v", "subject", "line", "reason", "rows", "suppressedBefore" }, rejects[0].EnumerateObject().Select(p => p.Name));

        Assert.Equal(7, result.Counters.RejectedRows);
        Assert.Equal(new RejectCounters(Messages: 6, Rows: 7, Published: 6, Suppressed: 0), result.Rejects);
        Assert.Equal(3, result.Counters.EventsApplied);
        Assert.Equal(ReplayJournal(JournalDir), result.OutputDigest);
        var manifest = Sig.Engine.Output.RunManifest.FromJson(File.ReadAllText(Path.Combine(JournalDir, LiveSession.ManifestFileName)));
        Assert.Equal(result.OutputDigest, manifest.OutputDigest);
    }

    [Fact]
    public async Task The_snapshot_query_answers_the_latest_minute_and_status_reports_states()
    {
        await using var nats = await _server.ConnectAsync();
        await using var status = await nats.SubscribeCoreAsync<byte[]>(_subjects.Status);
        await nats.PingAsync(); // the SUB is in place before anything is published
        int id = 0;
        await PublishAsync(nats, _subjects.MdRef, RefHeader + "\n" + RefRow("000001.SZ") + "\n" + RefRow("600000.SH"), ++id);
        await PublishAsync(nats, _subjects.MdTrade("600000.SH"), Trade("600000.SH", 93000100, 1) + "\n" + Trade("600000.SH", 93100100, 2, price: "10.05"), ++id);
        await PublishAsync(nats, _subjects.MdClock, Clock(93500000), ++id);
        var fifth = new TaskCompletionSource();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var running = Session(stopAfterClose: false, o => { if (o.Snapshot.Minute == 5) fifth.TrySetResult(); }).RunAsync(cts.Token);
        await fifth.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var reply = await nats.RequestAsync<byte[], byte[]>(_subjects.QuerySnapshot, "{\"symbols\":[\"600000.SH\"]}"u8.ToArray());
        var snap = JsonDocument.Parse(reply.Data).RootElement;
        Assert.Equal(5, snap.GetProperty("minute").GetInt32());
        Assert.Equal(["600000.SH"], snap.GetProperty("symbols").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(27, snap.GetProperty("values")[0].GetArrayLength());
        var all = JsonDocument.Parse((await nats.RequestAsync<byte[], byte[]>(_subjects.QuerySnapshot, "{\"symbols\":[]}"u8.ToArray())).Data).RootElement;
        Assert.Equal(2, all.GetProperty("symbols").GetArrayLength());

        await cts.CancelAsync();
        var result = await running;
        Assert.Equal(ReplayJournal(JournalDir), result.OutputDigest);
        await nats.PingAsync();
        var states = new List<string>();
        while (status.Msgs.TryRead(out var msg)) states.Add(JsonDocument.Parse(msg.Data).RootElement.GetProperty("state").GetString()!);
        Assert.Equal("recovering", states[0]);
        Assert.Contains("live", states);
        Assert.Equal("stopped", states[^1]);
    }

    [Fact]
    public async Task Queries_during_the_publication_of_later_minutes_answer_with_their_minutes_published_bytes()
    {
        // Live reuses its minutes' buffers: each query must answer from the minute it leased, never from a reused buffer.
        await using var nats = await _server.ConnectAsync();
        await using var snapshots = await nats.SubscribeCoreAsync<byte[]>(_subjects.Snapshot);
        await nats.PingAsync(); // the SUB is in place before anything is published
        string[] symbols = ["000001.SZ", "000002.SZ", "600000.SH"];
        int id = 0;
        await PublishAsync(nats, _subjects.MdRef, RefHeader + "\n" + string.Join('\n', symbols.Select(RefRow)), ++id);
        long seq = 0;
        // A trade of every symbol about every two minutes of the morning and afternoon, so consecutive minutes differ.
        static int At(int hour, int minute) => hour * 10000000 + minute * 100000 + 100; // HHMMSSmmm, 100 ms into the minute
        foreach (int time in Enumerable.Range(0, 60).Select(k => At(9 + (30 + 2 * k) / 60, (30 + 2 * k) % 60))
                     .Concat(Enumerable.Range(0, 60).Select(k => At(13 + 2 * k / 60, 2 * k % 60))))
            foreach (var sym in symbols)
                await PublishAsync(nats, _subjects.MdTrade(sym), Trade(sym, time, ++seq, price: $"10.{seq % 90 + 10:00}", volume: 100 * (seq % 7 + 1)), ++id);
        await PublishAsync(nats, _subjects.MdClock, Clock(150000001), ++id);

        // The observer is slow, so minutes are published while queries are being answered
        // (wall-clock ok: the pause only makes overlap likely; the assertions hold for any interleaving).
        var running = Session(stopAfterClose: true, _ => Thread.Sleep(3)).RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token); // wall-clock ok: see above
        var answers = new List<byte[]>();
        for (int k = 0; !running.IsCompleted; k++)
        {
            try
            {
                var reply = await nats.RequestAsync<byte[], byte[]>(_subjects.QuerySnapshot, k % 4 == 0 ? "{\"symbols\":[\"000002.SZ\"]}"u8.ToArray() : "{\"symbols\":[]}"u8.ToArray(),
                    replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(5) });
                if (reply.Data is { } data && !data.AsSpan().StartsWith("{\"v\":1,\"error\""u8)) answers.Add(data);
            }
            catch (NatsNoRespondersException)
            {
                await Task.Delay(5); // wall-clock ok: the session has not subscribed yet, or has stopped; ask again
            }
            catch (NatsNoReplyException)
            {
                // The session stopped with the request in flight.
            }
        }
        var result = await running;
        Assert.Equal(ReplayJournal(JournalDir), result.OutputDigest);

        await nats.PingAsync();
        var published = new Dictionary<int, byte[]>();
        while (snapshots.Msgs.TryRead(out var msg)) published[JsonDocument.Parse(msg.Data!).RootElement.GetProperty("minute").GetInt32()] = msg.Data!;
        Assert.Equal(240, published.Count);
        var minutes = new HashSet<int>();
        foreach (var answer in answers)
        {
            var root = JsonDocument.Parse(answer).RootElement;
            int minute = root.GetProperty("minute").GetInt32();
            minutes.Add(minute);
            var whole = JsonDocument.Parse(published[minute]).RootElement;
            if (root.GetProperty("symbols").GetArrayLength() == symbols.Length)
                Assert.True(published[minute].AsSpan().SequenceEqual(answer), $"minute {minute}: the answer is not the published snapshot");
            else
                Assert.Equal(whole.GetProperty("values")[1].GetRawText(), root.GetProperty("values")[0].GetRawText()); // 000002.SZ is the second symbol
        }
        Assert.True(minutes.Count >= 2, $"answers from {minutes.Count} minute(s) of {answers.Count}");
    }

    [Fact]
    public async Task A_torn_journal_tail_is_cut_on_restart_and_the_session_continues_to_the_same_outputs()
    {
        await using var nats = await _server.ConnectAsync();
        int id = 0;
        await PublishAsync(nats, _subjects.MdRef, RefHeader + "\n" + RefRow("000001.SZ"), ++id);
        for (int k = 0; k < 20; k++)
            await PublishAsync(nats, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93000000 + k * 100000, k + 1, price: $"10.{k:00}"), ++id);
        await PublishAsync(nats, _subjects.MdClock, Clock(95000000), ++id);
        var tenth = new TaskCompletionSource();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var first = Session(false, o => { if (o.Snapshot.Minute == 10) tenth.TrySetResult(); }).RunAsync(cts.Token);
            await tenth.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await cts.CancelAsync();
            await first;
        }
        // A crash in the middle of an append: half a record at the end of the last segment.
        string segment = Directory.GetFiles(JournalDir, "*.seg").Order().Last();
        using (var f = new FileStream(segment, FileMode.Append)) f.Write(new byte[] { 40, 0, 0, 0, 1, 2, 3 });
        for (int k = 20; k < 30; k++)
            await PublishAsync(nats, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 95000000 + (k - 20) * 100000, k + 1), ++id);
        await PublishAsync(nats, _subjects.MdClock, Clock(150000001), ++id);

        var result = await Session(stopAfterClose: true).RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(30, result.Counters.EventsApplied);
        Assert.Equal(ReplayJournal(JournalDir), result.OutputDigest);
        using var reader = JournalReader.Open(JournalDir);
        while (reader.TryReadNext(out _)) { }
        Assert.Null(reader.TornTail);
    }
}
