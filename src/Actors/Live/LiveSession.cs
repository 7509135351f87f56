using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Actors.Persistence;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Nats;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Text;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Actors.Live;

/// <summary>What a live session is asked to do.</summary>
public sealed record LiveSessionOptions
{
    public required string JournalDirectory { get; init; }
    /// <summary>Exit once the session close (minute 240) has been processed and published.</summary>
    public bool StopAfterClose { get; init; }
    public LiveSourceOptions Source { get; init; } = new();
    /// <summary>SymbolShard actors.</summary>
    public int Shards { get; init; } = 2;
    /// <summary>
    /// Run once the connection is up and the journal open, before the pipeline is built and the first
    /// input read (e.g. the warm-up before the open, actors.warmUpBeforeOpen): a server that cannot be
    /// reached fails the session before it spends anything.
    /// </summary>
    public Action? BeforeOpen { get; init; }
}

/// <summary>How a live session ended.</summary>
/// <param name="OutputDigest">The digest after the last closed minute.</param>
/// <param name="Counters">Events, late events, unknown symbols and rejected rows as of the last closed minute.</param>
/// <param name="JournalId">The journal's identity (first token of the Msg-Ids).</param>
/// <param name="Manifest">The manifest written at the stop.</param>
/// <param name="ComputeMillis">Per shard and closed minute, the compute backend's time (benchmarks).</param>
/// <param name="PublishMillis">Per published minute, the time to publish and flush its messages (benchmarks).</param>
/// <param name="Rejects">Every reject journaled (this run and the recovered journal), published or suppressed.</param>
public sealed record LiveResult(string OutputDigest, PipelineCounters Counters, string JournalId, RunManifest Manifest,
    IReadOnlyList<double> ComputeMillis, IReadOnlyList<double> PublishMillis, RejectCounters Rejects);

/// <summary>The states of <c>sig.engine.status</c>.</summary>
public enum LiveState { Recovering, Live, Stopped }

/// <summary>
/// `engine live`: the pipeline fed from NATS, with the journal, recovery, outputs, status and
/// the snapshot query. On start it reopens the journal (cutting a torn tail), replays it
/// through the pipeline (state "recovering"), republishing only the minutes SIG_OUT does not
/// already hold, then continues with the durable consumer right after the last journaled
/// message (state "live"). Every closed minute updates <see cref="ManifestFileName"/> in the
/// journal directory, which `verify-replay` compares against.
/// </summary>
public sealed class LiveSession(EngineConfig config, NatsOpts nats, LiveSessionOptions options, IComputeBackend backend,
    IDailyFactorSink? dailyStore = null, TextWriter? log = null, IReadOnlyList<ICloseStage>? closeStages = null)
{
    /// <summary>The live run's manifest in the journal directory (its output digest is what verify-replay compares).</summary>
    public const string ManifestFileName = "live.manifest.json";

    /// <summary>The journal's identity, the first token of every Nats-Msg-Id (kept with the journal, so stable across restarts).</summary>
    public const string JournalIdFileName = "journal.id";

    private readonly MarketSubjects _subjects = new(config.Nats.Prefix);
    private readonly TextWriter _log = log ?? TextWriter.Null;
    private readonly LatestMinute _latest = new();
    private DateOnly? _firstDate;
    private LiveState _state = LiveState.Recovering;
    private int _lastStatusBucket = -1;
    private MdMessageParser? _parser;
    private PipelineCut? _resumed;
    private long _inputsReplayed;

    /// <summary>Every closed minute once published (tests and benchmarks subscribe before <see cref="RunAsync"/>).</summary>
    public Action<MinuteOutput>? OnMinute { get; init; }

    /// <summary>Every clock as it is journaled (benchmarks time the minute close from here).</summary>
    public Action<MarketInput>? OnClock { get; init; }

    /// <summary>Benchmarks: the pipeline and the publisher mark each minute's passage here (null: nothing recorded).</summary>
    public MinuteTimeline? Timeline { get; init; }

    public async Task<LiveResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NatsConnection(nats);
        await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        using var journal = JournalWriter.Open(options.JournalDirectory, config.Journal);
        if (journal.CutTail is { } cut) _log.WriteLine($"journal: cut a torn tail of {cut.Bytes} bytes at {cut.Path}:{cut.Offset} ({cut.Reason})");
        string journalId = JournalId(options.JournalDirectory);
        if (options.BeforeOpen is { } beforeOpen) await Task.Run(beforeOpen, cancellationToken).ConfigureAwait(false);
        var js = new NatsJSContext(connection);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publisher = new NatsOutputPublisher(connection, _subjects, journalId)
        {
            OnTransientError = _log.WriteLine, Stopping = stop.Token, Timeline = Timeline,
            SkipThrough = await PublishedThroughAsync(js, journalId, cancellationToken).ConfigureAwait(false),
        };
        if (publisher.SkipThrough is { } skip) _log.WriteLine($"SIG_OUT holds outputs through {skip.Date:yyyy-MM-dd} minute {skip.Minute}; republishing after that");

        Exception? fatal = null;
        var parser = new MdMessageParser(_subjects, config.Live);
        _parser = parser;
        var dailyBars = dailyStore is Sig.Factors.Daily.IDailyBarSink bars ? new DailyBarOutput(bars, parser.References) : null;
        await using var snapshots = SqlSnapshotStore.Open(config.Persistence, options.JournalDirectory);
        var persistence = snapshots is null ? null : new PipelinePersistenceOptions(snapshots, journalId, config.Persistence.EveryMinutes, _log.WriteLine);
        await using var pipeline = new MarketPipeline(config.BigOrder, backend, options.Shards, config.Actors, [publisher], dailyStore, f =>
        {
            _log.WriteLine(f.ToString());
            // A publish that cannot succeed (e.g. max_payload) must stop the session, not be dropped as poison.
            if (f.ActorName == "publisher" && f.Exception is InvalidOperationException { InnerException: NatsPayloadTooLargeException })
            {
                fatal ??= f.Exception;
                stop.Cancel();
            }
        }, dailyBars: dailyBars, closeStages: closeStages, timeline: Timeline, persistence: persistence, reuseOutputBuffers: true);
        long journalRecordsAtStart = journal.LastSequence;
        // The newest persisted cut the journal covers: its stages restored, only the records after it are replayed.
        _resumed = await pipeline.RestoreLatestAsync(journalRecordsAtStart).ConfigureAwait(false);
        _inputsReplayed = journalRecordsAtStart - (_resumed?.InputNumber ?? 0);
        if (_resumed is { } resumed)
        {
            _firstDate = resumed.FirstDate;
            _log.WriteLine($"recovering from the snapshot after journal input {resumed.InputNumber:N0} ({resumed.Date:yyyy-MM-dd} minute {resumed.Minute}, {snapshots!.Description}); replaying {_inputsReplayed:N0} of {journalRecordsAtStart:N0} journal records");
            // A cut is saved only after its minute was published: resuming at the close means the close is done,
            // and no replayed output will announce it.
            if (resumed.Minute == Sig.Engine.Time.SessionBars.BarsPerDay && options.StopAfterClose) stop.Cancel();
        }
        pipeline.Outputs.Subscribe(o =>
        {
            // A lease, not a copy: the minute's buffers stay out of the pools while it is the latest.
            _latest.Hold(o);
            _firstDate ??= o.Snapshot.Date;
            WriteManifest(o, journalId, journal.LastSequence);
            OnMinute?.Invoke(o);
            if (o.IsClose && options.StopAfterClose) stop.Cancel();
        });
        await using var query = await connection.SubscribeCoreAsync<byte[]>(_subjects.QuerySnapshot, cancellationToken: cancellationToken).ConfigureAwait(false);
        var answering = AnswerQueriesAsync(connection, query, stop.Token);

        var recovery = new JournalEventSource(options.JournalDirectory) { SkipThrough = _resumed?.InputNumber ?? 0, Skipped = parser.Observe };
        await PublishStatusAsync(connection, parser, 0, 0, cancellationToken).ConfigureAwait(false);
        var source = new RecoveryThenLive(recovery, parser, async () =>
        {
            NatsMarketSource live = null!;
            live = new NatsMarketSource(connection, _subjects, options.Source, journal, parser, recovery.LastSourceSeq)
            {
                OnTransientError = _log.WriteLine,
                OnReject = r => TryPublishAsync(connection, _subjects.Rejects, JsonSerializer.SerializeToUtf8Bytes(
                    new { v = 1, subject = r.Subject, line = r.Line, reason = r.Reason, rows = r.Rows, suppressedBefore = r.SuppressedBefore }), stop.Token),
                OnClock = async c =>
                {
                    OnClock?.Invoke(c);
                    int bucket = ExchangeTime.ToMillis(c.Time) / 5000;
                    if (bucket != _lastStatusBucket) await PublishStatusAsync(connection, parser, live.LastSourceSeq, live.Pending, stop.Token).ConfigureAwait(false);
                    _lastStatusBucket = bucket;
                },
            };
            await live.StartAsync(stop.Token).ConfigureAwait(false);
            _state = LiveState.Live;
            _log.WriteLine($"recovered {recovery.Records:N0} journal records (through source seq {recovery.LastSourceSeq}); live");
            await PublishStatusAsync(connection, parser, recovery.LastSourceSeq, 0, stop.Token).ConfigureAwait(false);
            return live;
        });
        await pipeline.RunAsync(source, stop.Token).ConfigureAwait(false);
        if (fatal is not null) throw new InvalidOperationException(fatal.Message, fatal);

        _state = LiveState.Stopped;
        var last = pipeline.Last;
        var manifest = WriteManifest(last, journalId, journal.LastSequence);
        if (pipeline.CutsPersisted > 0) _log.WriteLine($"persisted to {snapshots!.Description}: {pipeline.PersistenceCost}");
        await PublishStatusAsync(connection, parser, source.LastSourceSeq, 0, CancellationToken.None).ConfigureAwait(false);
        try
        {
            await connection.PingAsync(CancellationToken.None).AsTask().WaitAsync(StopFlushTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            // Stopping during an outage: the journal and manifest are complete; outputs not in SIG_OUT are republished on the next start.
            _log.WriteLine($"NATS unavailable at stop ({e.Message}); {publisher.Unpublished} minute(s) left to republish on the next start");
        }
        await stop.CancelAsync().ConfigureAwait(false);
        await answering.ConfigureAwait(false);
        _latest.Dispose();
        _log.WriteLine($"journal records: {journalRecordsAtStart:N0} at start, {journal.LastSequence:N0} at stop; {publisher.Published:N0} messages published");
        return new LiveResult(pipeline.DigestHex, last?.Counters ?? _resumed?.Counters ?? default, journalId, manifest, [.. pipeline.ComputeMillis], publisher.PublishMillis, parser.Rejects);
    }

    /// <summary>The last minute of this journal that SIG_OUT holds completely (its digest message is there), or null.</summary>
    private async Task<(DateOnly, int)?> PublishedThroughAsync(INatsJSContext js, string journalId, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await _subjects.EnsureOutStreamAsync(js, cancellationToken).ConfigureAwait(false);
            var last = await StoredMessages.GetLastAsync(stream, _subjects.Digest, cancellationToken).ConfigureAwait(false);
            if (last?.MsgId is not { } id) return null;
            return NatsOutputPublisher.ParseMsgId(id) is { } parsed && parsed.JournalId == journalId ? (parsed.Date, parsed.Minute) : null;
        }
        catch (NatsException e)
        {
            _log.WriteLine($"SIG_OUT unavailable ({e.Message}): outputs are published on core NATS without de-duplication");
            return null;
        }
    }

    private static string JournalId(string directory)
    {
        string path = Path.Combine(directory, JournalIdFileName);
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        // Identity, not content: it never enters an output payload or the digest.
        string id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..16];
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, id);
        File.Move(tmp, path, overwrite: true);
        return id;
    }

    private RunManifest WriteManifest(MinuteOutput? output, string journalId, long journalRecords)
    {
        var rejects = _parser?.Rejects;
        var cut = output is null ? _resumed : null;
        var manifest = RunManifest.For("live", config, $"journal {journalId} records 1..{journalRecords}", backend.Name, options.Shards) with
        {
            SimdWidth = backend.VectorWidth, BackendDevice = backend.Device,
            From = _firstDate is { } first ? CanonicalRows.FormatDate(first) : null,
            To = output is not null ? CanonicalRows.FormatDate(output.Snapshot.Date) : cut is not null ? CanonicalRows.FormatDate(cut.Date) : null,
            Events = output?.Counters.EventsApplied ?? cut?.Counters.EventsApplied ?? 0,
            LateEvents = output?.Counters.LateEvents ?? cut?.Counters.LateEvents ?? 0,
            // The parser's count covers every journaled reject, also those after the last closed minute.
            RejectedRows = rejects?.Rows ?? output?.Counters.RejectedRows ?? cut?.Counters.RejectedRows ?? 0,
            RejectMessages = rejects?.Messages ?? 0,
            RejectsPublished = rejects?.Published ?? 0,
            RejectsSuppressed = rejects?.Suppressed ?? 0,
            LastMinute = output?.Snapshot.Minute ?? cut?.Minute,
            JournalId = journalId,
            RecoveredFromInput = _resumed?.InputNumber,
            RecoveredFromDate = _resumed is null ? null : CanonicalRows.FormatDate(_resumed.Date),
            RecoveredFromMinute = _resumed?.Minute,
            InputsReplayed = _inputsReplayed,
            CloseStages = closeStages is { Count: > 0 } ? [.. closeStages.Select(s => s.ManifestEntry)] : null,
            OutputDigest = output?.Digest ?? (cut is null ? new OutputDigest().Hex : Convert.ToHexStringLower(cut.Digest)),
        };
        manifest.Write(Path.Combine(options.JournalDirectory, ManifestFileName));
        return manifest;
    }

    private ValueTask PublishStatusAsync(NatsConnection connection, MdMessageParser parser, ulong lastSeq, ulong lag, CancellationToken cancellationToken)
    {
        string state = _state switch { LiveState.Recovering => "recovering", LiveState.Live => "live", _ => "stopped" };
        string date = parser.Date == default ? "" : CanonicalRows.FormatDate(parser.Date);
        var payload = Encoding.ASCII.GetBytes($"{{\"v\":1,\"state\":\"{state}\",\"date\":\"{date}\",\"minute\":{parser.ClosedMinutes},\"lastSeq\":{lastSeq},\"lag\":{lag}}}");
        return TryPublishAsync(connection, _subjects.Status, payload, cancellationToken);
    }

    // The client holds a publish while it reconnects; operational messages wait at most this long.
    private static readonly TimeSpan OperationalPublishTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StopFlushTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Operational messages (status, rejects) are best effort: a server away must not stop the session.</summary>
    private async ValueTask TryPublishAsync(NatsConnection connection, string subject, byte[] payload, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(OperationalPublishTimeout);
        try
        {
            await connection.PublishAsync(subject, payload, cancellationToken: bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _log.WriteLine($"{subject}: {(e is OperationCanceledException ? "NATS unavailable" : e.Message)}");
        }
    }

    /// <summary>`sig.query.snapshot`: {"symbols":[…]} (empty = all) → the latest snapshot, same shape as sig.factors.snapshot.</summary>
    private async Task AnswerQueriesAsync(NatsConnection connection, INatsSub<byte[]> query, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var msg in query.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (msg.ReplyTo is null) continue;
                byte[] answer = Answer(_latest, RequestedSymbols(msg.Data));
                try
                {
                    await TryReplyAsync(connection, msg.ReplyTo, answer, cancellationToken).ConfigureAwait(false);
                }
                catch (NatsException e)
                {
                    _log.WriteLine($"{_subjects.QuerySnapshot}: {e.Message}"); // the asker times out; the session goes on
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Session over.
        }
    }

    /// <summary>
    /// The answer to one query, made under a lease on the latest minute (its pooled rows and
    /// payload cannot be reused meanwhile) and copied out of it, so the lease ends before the reply
    /// waits on NATS: all symbols are the minute's <c>factors.snapshot</c> bytes, copied; a
    /// selection is written from a copy of its rows.
    /// </summary>
    internal static byte[] Answer(LatestMinute latest, IReadOnlySet<SymbolCode>? wanted)
    {
        using var lease = latest.Lease();
        if (lease is null) return "{\"v\":1,\"error\":\"no snapshot yet\"}"u8.ToArray();
        var minute = lease.Output;
        return wanted is null ? minute.SnapshotPayload.ToArray() : FactorPayloads.Snapshot(minute.Snapshot.Select(wanted));
    }

    private static async ValueTask TryReplyAsync(NatsConnection connection, string replyTo, byte[] answer, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(OperationalPublishTimeout);
        try
        {
            await connection.PublishAsync(replyTo, answer, cancellationToken: bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NatsException("NATS unavailable; the reply was dropped");
        }
    }

    private static HashSet<SymbolCode>? RequestedSymbols(byte[]? request)
    {
        if (request is not { Length: > 0 }) return null;
        try
        {
            using var doc = JsonDocument.Parse(request);
            if (!doc.RootElement.TryGetProperty("symbols", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0) return null;
            var set = new HashSet<SymbolCode>();
            foreach (var s in list.EnumerateArray())
                if (s.ValueKind == JsonValueKind.String && SymbolCode.TryParse(s.GetString(), out var code)) set.Add(code);
            return set;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The journal first (bringing the parser up to date), then the live source created once the journal is exhausted.</summary>
    private sealed class RecoveryThenLive(JournalEventSource recovery, MdMessageParser parser, Func<Task<NatsMarketSource>> goLive) : IMarketEventSource
    {
        private NatsMarketSource? _live;

        public string Name => "journal+nats";

        public ulong LastSourceSeq => _live?.LastSourceSeq ?? recovery.LastSourceSeq;

        public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var input in recovery.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                parser.Observe(input);
                yield return input;
            }
            _live = await goLive().ConfigureAwait(false);
            await foreach (var input in _live.ReadAsync(cancellationToken).ConfigureAwait(false)) yield return input;
        }
    }
}
