using NATS.Client.Core;
using Sig.Actors.Live;
using Sig.Actors.Persistence;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Nats;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Cluster.Sharding;

/// <summary>
/// One symbol shard's data path, run by its entity: its own durable consumer on SIG_MD
/// (<c>sig-shard-&lt;k&gt;</c>) read through the live source (parse, journal before ack, resume
/// after the last journaled stream sequence), its journal in a directory of its own, and a
/// <see cref="ShardMinuteEngine"/> over its symbol range. On start it restores the newest persisted
/// cut of its shard (when the cluster persists them) and replays only the journal inputs after it
/// (the inputs up to it only bring the md parser up to date), or the whole journal without one;
/// then it reads live input. Every minute a clock closes yields the shard's rows through
/// <see cref="OnRows"/>, also the minutes rebuilt by the replay: the singleton drops what it
/// already published. The clock that closes each multiple of <c>persistence.everyMinutes</c>
/// minutes is a cut, handed to <see cref="OnCut"/>.
/// </summary>
public sealed class ShardRunner(ShardHost host, int shard)
{
    private readonly string _fingerprint = PipelinePersistenceOptions.Fingerprint(host.Backend, host.Shards, host.Config.BigOrder);

    /// <summary>Called (on the runner's thread) with each closed minute's rows.</summary>
    public required Action<ShardRows> OnRows { get; init; }

    /// <summary>Called (on the runner's thread) with each cut, after the rows of its minute (null: cuts are not taken).</summary>
    public Action<ShardCut>? OnCut { get; init; }

    /// <summary>This shard's persisted cuts (null: the cluster does not persist them).</summary>
    public ShardSnapshots? Snapshots { get; } = host.Snapshots is { } store ? new ShardSnapshots(store, host.ClusterId, shard, host.Shards, host.Log) : null;

    /// <summary>Last stream sequence journaled by this shard (0 before any).</summary>
    public ulong LastSourceSeq => _live?.LastSourceSeq ?? _maxSeq;

    /// <summary>Messages of SIG_MD still waiting for this shard's consumer, as of the last pull.</summary>
    public ulong Pending => _live?.Pending ?? 0;

    /// <summary>Minutes closed today.</summary>
    public int ClosedMinutes => _engine?.LastClosedMinute ?? 0;

    /// <summary>Tick events read from the stream since live input began (whole input: all symbols; partitioned: the shard's partition).</summary>
    public long LiveStreamEvents { get; private set; }

    /// <summary>Seconds from the first live input to the last closed minute (benchmarks; 0 before).</summary>
    public double LiveSeconds { get; private set; }

    /// <summary>The shard's counters so far.</summary>
    public PipelineCounters Counters => _engine is { } e ? new(e.EventsApplied, e.LateEvents, e.UnknownSymbolEvents, _rejected) : default;

    /// <summary>Journal inputs replayed through the engine at start: those after the restored cut, or all of them without one.</summary>
    public long Recovered { get; private set; }

    /// <summary>Journal inputs (records) at start.</summary>
    public long JournalRecords { get; private set; }

    /// <summary>The journal input of the cut the shard restored at start (0: none, the whole journal was replayed).</summary>
    public long RestoredFromInput { get; private set; }

    /// <summary>Minutes closed at the restored cut (0: none).</summary>
    public int RestoredMinute { get; private set; }

    private ILiveMdSource? _live;
    private ShardMinuteEngine? _engine;
    private SymbolRange? _range;
    private MdMessageParser? _parser;
    private DateOnly _rangeDate;
    private long _inputs;
    private ulong _maxSeq;
    private long _rejected;
    private bool _cannotPersistLogged;

    /// <summary>The journal directory of shard <paramref name="shard"/> under the cluster's work directory.</summary>
    public static string JournalDirectory(string work, int shard) => Path.Combine(work, "shards", $"shard-{shard}");

    /// <summary>Runs until cancelled; a failure propagates (the entity restarts, restores and replays).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string dir = JournalDirectory(host.WorkDirectory, shard);
        Directory.CreateDirectory(dir);
        using var journal = await OpenJournalAsync(dir, cancellationToken).ConfigureAwait(false);
        try
        {
            await RunOnJournalAsync(dir, journal, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The journal's lock is what the shard's next owner waits for: the cuts queued for saving (the entity
            // stopped before this runner was cancelled, so nothing is queued after this) are stored first, so the
            // next owner restores the newest confirmed cut, never one a save of this owner is about to supersede.
            Snapshots?.Drain(TimeSpan.FromSeconds(10));
        }
    }

    private async Task RunOnJournalAsync(string dir, JournalWriter journal, CancellationToken cancellationToken)
    {
        await using var connection = new NatsConnection(host.Nats with { Name = $"sig-shard-{shard}" });
        await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        var parser = await RecoverAsync(dir, cancellationToken).ConfigureAwait(false);
        host.Log(RestoredFromInput > 0
            ? $"shard {shard}: restored the cut after journal input {RestoredFromInput:N0} (minute {RestoredMinute}, {Snapshots!.Description} {Snapshots.PersistenceId}); replayed {Recovered:N0} of {JournalRecords:N0} journal inputs (through stream seq {_maxSeq}); live"
            : $"shard {shard}: replayed {Recovered:N0} journal records (through stream seq {_maxSeq}{(Snapshots is { } s ? $"; no cut under {s.PersistenceId}" : "")}); live");

        _live = CreateMdSource(connection, journal, parser);
        await _live.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long started = 0;
            await foreach (var input in _live.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (started == 0) started = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
                if (input.Kind == MarketInputKind.Ticks) LiveStreamEvents += input.Events.Length;
                int closed = ClosedMinutes;
                Count(input);
                Apply(input);
                if (ClosedMinutes != closed) LiveSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds; // wall-clock ok: benchmark timing only
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped (the entity moves or the node leaves); the journal holds everything applied.
        }
    }

    /// <summary>
    /// The shard's live md input, resuming after the last journaled stream sequence: whole (one
    /// unfiltered durable consumer <c>sig-shard-&lt;k&gt;</c>) or partitioned (<c>sig-shard-&lt;k&gt;-p</c> on the
    /// shard's partition and <c>sig-shard-&lt;k&gt;-c</c> on the control subjects, merged by stream sequence).
    /// </summary>
    private ILiveMdSource CreateMdSource(NatsConnection connection, JournalWriter journal, MdMessageParser parser)
    {
        var options = new LiveSourceOptions { Durable = $"sig-shard-{shard}" };
        Action<string> log = m => host.Log($"shard {shard}: {m}");
        return host.MdPartitions is { } partitions
            ? new PartitionedMdSource(connection, host.Subjects, partitions, shard, options, journal, parser, _maxSeq) { OnTransientError = log }
            : new NatsMarketSource(connection, host.Subjects, options, journal, parser, _maxSeq) { OnTransientError = log };
    }

    /// <summary>The shard key of the day's universe: a contiguous range (whole input) or the shard's partition (partitioned input).</summary>
    private SymbolRange RangeOf(SymbolCode[] universe) =>
        host.MdPartitions is { } partitions ? SymbolRange.ByPartition(universe, shard, partitions) : new SymbolRange(universe, shard, host.Shards);

    /// <summary>
    /// True when this shard counts a refused input. Whole input: shard 0 counts them all (every shard
    /// sees every message). Partitioned input: a row message reaches one shard only, which counts it;
    /// a control message reaches every shard, and shard 0 counts it.
    /// </summary>
    private bool CountsReject(MarketInput input) =>
        host.MdPartitions is not { } partitions ? shard == 0
        : input.Kind == MarketInputKind.Rejected && partitions.IsControlSubject(input.Reject!.Subject) ? shard == 0
        : true;

    /// <summary>
    /// Rebuilds the shard's state: the newest persisted cut that fits (this shard, layout, settings;
    /// its journal input present in the journal at the same stream sequence and day), then the
    /// journal inputs after it; inputs up to the cut only go through the md parser (its sequence
    /// numbers and reject windows are a function of the journal prefix). A cut that does not fit
    /// is one log line and the next older one is tried, then the whole journal. Every check happens
    /// before the first input is applied, so a refused cut leaves nothing behind. Returns the parser.
    /// </summary>
    private async Task<MdMessageParser> RecoverAsync(string dir, CancellationToken cancellationToken)
    {
        long bound = long.MaxValue;
        for (int attempt = 0; ; attempt++)
        {
            var cut = attempt < 4 && Snapshots is { } snapshots ? await snapshots.LoadAsync(bound, _fingerprint).ConfigureAwait(false) : null;
            var parser = _parser = new MdMessageParser(host.Subjects, host.Config.Live) { Partitions = host.MdPartitions }; // the close rows carry its reference rows
            var crossSection = new MinuteCrossSection(host.Config.BigOrder, host.Backend);
            _range = null;
            _inputs = 0;
            _maxSeq = 0;
            _rejected = 0;
            try
            {
                if (cut is null) _engine = new ShardMinuteEngine(crossSection);
                else (_engine, _rejected) = ShardSnapshotCodec.Decode(cut.State, shard, host.Shards, crossSection);
                long skip = cut?.InputNumber ?? 0;
                var recovery = new JournalEventSource(dir)
                {
                    SkipThrough = skip,
                    Skipped = input =>
                    {
                        parser.Observe(input);
                        Count(input);
                        if (input.Kind == MarketInputKind.DayStart)
                        {
                            _range = RangeOf(input.Symbols);
                            _rangeDate = input.Date;
                        }
                        if (_inputs == skip) CheckAt(cut!);
                    },
                };
                await foreach (var input in recovery.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    parser.Observe(input);
                    Count(input);
                    Apply(input);
                }
                if (_inputs < skip) throw new InvalidDataException($"the journal holds {_inputs} inputs, the cut follows input {skip}");
                JournalRecords = _inputs;
                Recovered = recovery.Replayed;
                RestoredFromInput = skip;
                RestoredMinute = cut?.Minute ?? 0;
                if (cut is not null) Snapshots!.ResumedFrom(cut);
                return parser;
            }
            catch (Exception e) when (cut is not null && e is InvalidDataException or NotSupportedException)
            {
                Snapshots!.Refused(cut.InputNumber, e.Message);
                bound = cut.InputNumber - 1;
            }
        }
    }

    /// <summary>At the cut's input: the journal must be the one the cut was taken from (same stream position, same day and minute).</summary>
    private void CheckAt(ShardCut cut)
    {
        if (_maxSeq != cut.StreamSeq)
            throw new InvalidDataException($"journal input {cut.InputNumber} is at stream seq {_maxSeq}, the cut at {cut.StreamSeq}");
        var engine = _engine!;
        if (_range is null || _rangeDate != cut.Date || engine.Date != cut.Date || engine.LastClosedMinute != cut.Minute)
            throw new InvalidDataException($"the cut is of {cut.Date:yyyy-MM-dd} minute {cut.Minute}, its state of {engine.Date:yyyy-MM-dd} minute {engine.LastClosedMinute}, the journal's day {(_range is null ? "none" : _rangeDate.ToString("yyyy-MM-dd"))}");
    }

    /// <summary>Input numbers are journal record numbers: the live source journals every input before it yields it, and recovery reads the journal in order.</summary>
    private void Count(MarketInput input)
    {
        _inputs++;
        _maxSeq = Math.Max(_maxSeq, input.SourceSeq);
    }

    /// <summary>
    /// The journal's lock is held until the process that had this shard before is gone (a shard
    /// handed over from a stopping node, or one whose node was killed: the OS drops the lock).
    /// </summary>
    private async Task<JournalWriter> OpenJournalAsync(string dir, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var writer = JournalWriter.Open(dir, host.Config.Journal);
                if (writer.CutTail is { } cut) host.Log($"shard {shard}: cut a torn journal tail of {cut.Bytes} bytes ({cut.Reason})");
                return writer;
            }
            catch (IOException e) when (attempt < 600)
            {
                if (attempt == 0) host.Log($"shard {shard}: {e.Message}; waiting for the previous owner to let go");
                await Task.Delay(100, cancellationToken).ConfigureAwait(false); // wall-clock ok: waits for a lock, never shapes outputs
            }
        }
    }

    private PipelineCounters CountersOf(ShardMinuteEngine engine) => new(engine.EventsApplied, engine.LateEvents, engine.UnknownSymbolEvents, _rejected);

    /// <summary>The day's reference rows of this shard's symbols, for the singleton's DailyRollup (null when the parser has none).</summary>
    private Sig.Factors.Daily.DailyReferenceSet? RangeReferences(DateOnly date)
    {
        if (_parser?.References.ReferenceOf(date) is not { } all || _range is null) return null;
        return all with { Rows = [.. all.Rows.Where(r => _range.Owns(r.Symbol.Value))] };
    }

    /// <summary>
    /// The shard's state after this input, encoded here (the copy must not change under the
    /// encoder; one encode every <c>everyMinutes</c> minutes), saved by the entity once the
    /// singleton has confirmed the minute.
    /// </summary>
    private void TakeCut(ShardMinuteEngine engine)
    {
        if (!engine.CanPersist)
        {
            if (!_cannotPersistLogged) host.Log($"persistence: shard {shard}: the {host.Backend.Name} backend cannot persist its state; a moved shard replays its journal");
            _cannotPersistLogged = true;
            return;
        }
        OnCut!(new ShardCut(shard, host.Shards, _fingerprint, _inputs, _maxSeq, engine.Date, engine.LastClosedMinute,
            ShardSnapshotCodec.Encode(shard, host.Shards, engine, _rejected)));
    }

    private void Apply(MarketInput input)
    {
        var engine = _engine!;
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _range = RangeOf(input.Symbols);
                engine.BeginDay(input.Date, _range.Symbols);
                break;
            case MarketInputKind.Ticks:
                if (_range is null) break;
                if (input.Date != engine.Date)
                {
                    if (CountsReject(input)) _rejected += input.Events.Length;
                    break;
                }
                var mine = _range.Select(input.Events);
                if (mine.Length > 0) engine.Apply(mine);
                break;
            case MarketInputKind.Clock:
                if (input.Date != engine.Date) break;
                int before = engine.LastClosedMinute;
                engine.Clock(input.Time, part => OnRows(part.Minute == SessionBars.BarsPerDay
                    ? new ShardRows(shard, part, CountersOf(engine), engine.DailyBars()) { References = RangeReferences(part.Date) }
                    : new ShardRows(shard, part, CountersOf(engine), null)));
                int every = host.Config.Persistence.EveryMinutes;
                if (OnCut is not null && engine.LastClosedMinute / every > before / every) TakeCut(engine);
                break;
            default:
                if (CountsReject(input)) _rejected += input.Reject?.Rows ?? 1;
                break;
        }
    }
}
