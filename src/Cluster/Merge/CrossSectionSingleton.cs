using System.Text.Json;
using Akka.Actor;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Factors;
using Sig.Engine.Nats;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Time;

namespace Sig.Cluster.Merge;

/// <summary>
/// The cluster singleton after the shards: the CrossSectionBatcher, DigestChain and Publisher of
/// the single-process pipeline in one actor. It waits until every shard delivered its rows of the
/// next minute, joins them in shard order (symbol order), makes the snapshot (and at the close
/// the daily) payload once, chains the digest and publishes the minute to SIG_OUT with the
/// cluster's Msg-Ids; only then it confirms the minute to the shards. State survives a move
/// through SIG_OUT itself: a new singleton reads the last <c>engine.digest</c> message, resumes
/// the digest chain from its value and drops every row up to that minute, so a minute is
/// published once (a half-published minute is repeated with the same Msg-Ids and de-duplicated).
/// At the close it is also the single-process DailyRollup: the <see cref="CloseRollup"/> writes
/// the day into the feature store (factors, and the daily bars adjusted by the reference rows
/// the shards' parsers hold) and runs the close stages (inference, optimizer) before the digest
/// and the publish, so the close's products are in SIG_OUT and in the digest as in one process.
/// A close repeated after a move rewrites the same rows (the store replaces a date's rows).
/// </summary>
public sealed class CrossSectionSingleton : ReceiveActor, IWithUnboundedStash
{
    private readonly ShardHost _host;
    private readonly SortedDictionary<(DateOnly, int), ShardRows?[]> _pending = [];
    private readonly OutputDigest _digest = new();
    private (DateOnly Date, int Minute)? _lastPublished;
    private NatsConnection? _connection;
    private NatsOutputPublisher? _publisher;
    private readonly IActorRef?[] _shards;
    private readonly CloseRollup _close;
    private readonly CloseReferences _references = new();
    private readonly DailyBarOutput? _bars;

    /// <summary>The last minute this process's singleton published and its digest (status and tests).</summary>
    public static (DateOnly Date, int Minute, string Digest)? LastPublished { get; private set; }

    /// <summary>Milliseconds of each minute merged in this process: join, payloads, digest and publish to SIG_OUT (benchmarks).</summary>
    public static IReadOnlyList<double> MergeMillis
    {
        get { lock (Merges) return [.. Merges]; }
    }

    private static readonly List<double> Merges = [];

    public CrossSectionSingleton(ShardHost host)
    {
        _host = host;
        _shards = new IActorRef?[host.Shards];
        _bars = host.DailyStore is Sig.Factors.Daily.IDailyBarSink bars ? new DailyBarOutput(bars, _references) : null;
        _close = new CloseRollup(host.DailyStore, _bars, host.CloseStages);
        ReceiveAsync<Start>(async _ =>
        {
            await StartAsync(); // no ConfigureAwait: Become and the stash need the actor's context after it
            Become(Merging);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    protected override void PreStart() => Self.Tell(Start.Instance);

    protected override void PreRestart(Exception reason, object message)
    {
        _host.Log($"cross-section: restarting after {reason.GetType().Name}: {reason.Message}");
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        _connection?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
    }

    private async Task StartAsync()
    {
        _connection = new NatsConnection(_host.Nats with { Name = "sig-cross-section" });
        await _connection.ConnectAsync().ConfigureAwait(false);
        var js = new NatsJSContext(_connection);
        var stream = await _host.Subjects.EnsureOutStreamAsync(js).ConfigureAwait(false);
        var last = await StoredMessages.GetLastAsync(stream, _host.Subjects.Digest).ConfigureAwait(false);
        if (last?.MsgId is { } id && NatsOutputPublisher.ParseMsgId(id) is { } parsed && parsed.JournalId == _host.ClusterId)
        {
            using var payload = JsonDocument.Parse(last.Data);
            _digest.Reset(Convert.FromHexString(payload.RootElement.GetProperty("digest").GetString()!));
            _lastPublished = (parsed.Date, parsed.Minute);
            LastPublished = (parsed.Date, parsed.Minute, _digest.Hex);
            _host.Log($"cross-section: SIG_OUT holds outputs through {parsed.Date:yyyy-MM-dd} minute {parsed.Minute}; continuing after it");
        }
        else _host.Log("cross-section: started (nothing of this cluster in SIG_OUT yet)");
        _publisher = new NatsOutputPublisher(_connection, _host.Subjects, _host.ClusterId) { OnTransientError = _host.Log };
    }

    private void Merging()
    {
        ReceiveAsync<ShardRows>(OnRowsAsync);
    }

    private async Task OnRowsAsync(ShardRows rows)
    {
        var key = rows.Key;
        if (_lastPublished is { } done && key.CompareTo(done) <= 0)
        {
            Sender.Tell(new RowsTaken(rows.Shard, done.Date, done.Minute, _digest.Hex));
            return;
        }
        if (rows.Shard < 0 || rows.Shard >= _host.Shards) return;
        _shards[rows.Shard] = Sender;
        if (!_pending.TryGetValue(key, out var parts)) _pending[key] = parts = new ShardRows?[_host.Shards];
        parts[rows.Shard] ??= rows;
        // Minutes go out in order: only the earliest pending minute can be next.
        while (_pending.Count > 0)
        {
            var (first, firstParts) = _pending.First();
            if (firstParts.Any(p => p is null)) break;
            _pending.Remove(first);
            await PublishAsync(firstParts!); // stays in the actor's context
            _lastPublished = first;
        }
        if (_lastPublished is not { } through) return;
        // Every shard that sent rows hears it at once (rather than on its next resend).
        for (int s = 0; s < _shards.Length; s++) _shards[s]?.Tell(new RowsTaken(s, through.Date, through.Minute, _digest.Hex));
    }

    private async Task PublishAsync(ShardRows[] parts)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
        var snapshot = Join(parts);
        byte[] snapshotPayload = FactorPayloads.Snapshot(snapshot);
        byte[]? dailyPayload = snapshot.Minute == SessionBars.BarsPerDay ? FactorPayloads.Snapshot(snapshot, daily: true) : null;
        var counters = parts.Aggregate(default(PipelineCounters), (sum, p) => sum + p.Counters);
        var output = new MinuteOutput(snapshot, "", counters, snapshotPayload, dailyPayload)
        {
            DailyBars = dailyPayload is null ? null : [.. parts.SelectMany(p => p.Bars ?? [])],
        };
        if (output.IsClose && _close.IsActive)
        {
            _references.Set(snapshot.Date, JoinReferences(parts));
            int without = _bars?.DaysWithoutReference ?? 0;
            output = _close.Apply(output); // the feature store's rows of the close, then the close stages on them
            if (_bars?.DaysWithoutReference > without) _host.Log($"cross-section: no reference rows for {snapshot.Date:yyyy-MM-dd}: daily bars not written");
        }
        MinuteDigest.Chain(_digest, output);
        output = output with { Digest = _digest.Hex };
        _host.BeforePublish?.Invoke(output);
        await _publisher!.PublishAsync(output, CancellationToken.None).ConfigureAwait(false);
        LastPublished = (snapshot.Date, snapshot.Minute, _digest.Hex);
        lock (Merges) Merges.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds); // wall-clock ok: benchmark timing only
    }

    /// <summary>The shards' rows concatenated in shard order (the single-process batcher's join).</summary>
    private static FactorSnapshot Join(ShardRows[] parts)
    {
        if (parts.Length == 1) return parts[0].Part;
        int n = parts.Sum(p => p.Part.Symbols.Length);
        var symbols = new Sig.Engine.Events.SymbolCode[n];
        var values = new double[n * FactorCatalog.Count];
        var lastSeq = new long[n];
        int at = 0;
        foreach (var p in parts)
        {
            var s = p.Part;
            s.Symbols.CopyTo(symbols, at);
            s.Values.AsSpan(0, s.Symbols.Length * FactorCatalog.Count).CopyTo(values.AsSpan(at * FactorCatalog.Count));
            s.LastSeq.CopyTo(lastSeq, at);
            at += s.Symbols.Length;
        }
        var first = parts[0].Part;
        return new FactorSnapshot(first.Date, first.Minute, symbols, values, lastSeq);
    }

    /// <summary>The shards' reference rows of the close concatenated in shard = symbol order; null unless every shard has them.</summary>
    private static Sig.Factors.Daily.DailyReferenceSet? JoinReferences(ShardRows[] parts)
    {
        if (parts.Any(p => p.References is null)) return null;
        return new Sig.Factors.Daily.DailyReferenceSet([.. parts.SelectMany(p => p.References!.Rows)], parts[0].References!.WeightColumns);
    }

    /// <summary>The reference rows of the close being merged, where the DailyRollup looks them up.</summary>
    private sealed class CloseReferences : Sig.Factors.Daily.IDailyReferenceSource
    {
        private (DateOnly Date, Sig.Factors.Daily.DailyReferenceSet? Rows) _current;

        public void Set(DateOnly date, Sig.Factors.Daily.DailyReferenceSet? rows) => _current = (date, rows);

        public Sig.Factors.Daily.DailyReferenceSet? ReferenceOf(DateOnly date) => _current.Date == date ? _current.Rows : null;
    }

    private sealed class Start
    {
        public static readonly Start Instance = new();
    }
}
