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
/// next minute, joins them in symbol order (concatenated ranges, or merged partitions), makes the snapshot (and at the close
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
            DailyBars = dailyPayload is null ? null : BySymbol(parts.SelectMany(p => p.Bars ?? []), b => b.Symbol, IsConcatenation(parts)),
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

    /// <summary>
    /// The shards' rows in symbol order, the single-process batcher's order. Whole md input: each
    /// shard's rows are a contiguous symbol range, so they are concatenated in shard order.
    /// Partitioned input: a shard's rows are its partition's symbols (ascending, not a range), so the
    /// K parts are merged by symbol. Either way the merged snapshot's bytes are those of one process.
    /// </summary>
    private static FactorSnapshot Join(ShardRows[] parts)
    {
        if (parts.Length == 1) return parts[0].Part;
        int n = parts.Sum(p => p.Part.Symbols.Length);
        var symbols = new Sig.Engine.Events.SymbolCode[n];
        var values = new double[n * FactorCatalog.Count];
        var lastSeq = new long[n];
        int width = FactorCatalog.Count;
        if (IsConcatenation(parts))
        {
            int at = 0;
            foreach (var p in parts)
            {
                var s = p.Part;
                s.Symbols.CopyTo(symbols, at);
                s.Values.AsSpan(0, s.Symbols.Length * width).CopyTo(values.AsSpan(at * width));
                s.LastSeq.CopyTo(lastSeq, at);
                at += s.Symbols.Length;
            }
        }
        else
        {
            var next = new int[parts.Length];
            for (int at = 0; at < n; at++)
            {
                int from = -1;
                for (int k = 0; k < parts.Length; k++)
                    if (next[k] < parts[k].Part.Symbols.Length && (from < 0 || parts[k].Part.Symbols[next[k]].CompareTo(parts[from].Part.Symbols[next[from]]) < 0)) from = k;
                var s = parts[from].Part;
                int row = next[from]++;
                symbols[at] = s.Symbols[row];
                s.Values.AsSpan(row * width, width).CopyTo(values.AsSpan(at * width));
                lastSeq[at] = s.LastSeq[row];
            }
        }
        var first = parts[0].Part;
        return new FactorSnapshot(first.Date, first.Minute, symbols, values, lastSeq);
    }

    /// <summary>True when the parts' symbols, concatenated in shard order, ascend (contiguous ranges: the whole md input).</summary>
    private static bool IsConcatenation(ShardRows[] parts)
    {
        Sig.Engine.Events.SymbolCode? last = null;
        foreach (var p in parts)
        {
            var s = p.Part.Symbols;
            if (s.Length == 0) continue;
            if (last is { } l && s[0].CompareTo(l) <= 0) return false;
            last = s[^1];
        }
        return true;
    }

    /// <summary>The shards' reference rows of the close (symbol order across shards); null unless every shard has them.</summary>
    private static Sig.Factors.Daily.DailyReferenceSet? JoinReferences(ShardRows[] parts)
    {
        if (parts.Any(p => p.References is null)) return null;
        return new Sig.Factors.Daily.DailyReferenceSet(BySymbol(parts.SelectMany(p => p.References!.Rows), r => r.Symbol, IsConcatenation(parts)), parts[0].References!.WeightColumns);
    }

    /// <summary>The shards' rows in shard order when the shards hold symbol ranges (whole md input, as today), else ordered by symbol (stable).</summary>
    private static T[] BySymbol<T>(IEnumerable<T> rows, Func<T, Sig.Engine.Events.SymbolCode> symbol, bool ranges) =>
        ranges ? [.. rows] : [.. rows.OrderBy(symbol)];

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
