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
/// cut of its shard (when the cluster persists them) and replays only the journal inputs after it,
/// or the whole journal without one; a cut whose input this machine's journal does not hold (the
/// shard moved to another machine) restores with the md parser's state it carries, a new journal
/// begins after it and SIG_MD is consumed from the cut's stream sequence + 1. Then it reads live input. Every minute a clock closes yields the shard's rows through
/// <see cref="OnRows"/>, also the minutes rebuilt by the replay: the singleton drops what it
/// already published. The clock that closes each multiple of <c>persistence.everyMinutes</c>
/// minutes is a cut, handed to <see cref="OnCut"/>.
/// </summary>
public sealed class ShardRunner(ShardHost host, int shard)
{
    // A partitioned shard holds other symbols than a range shard of the same index: the input mode is part of what a cut was computed with.
    private readonly string _fingerprint = PipelinePersistenceOptions.Fingerprint(host.Backend, host.Shards, host.Config.BigOrder)
        + (host.MdPartitions is { } partitions ? $"/md-partitioned-{partitions.Count}" : "");

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

    /// <summary>
    /// The cut's stream sequence when the shard restored a cut without a journal that holds it: SIG_MD was consumed
    /// from the next message (0: the journal led up to where live input began).
    /// </summary>
    public ulong ResumedFromStreamSeq { get; private set; }

    private ILiveMdSource? _live;
    private ShardMinuteEngine? _engine;
    private SymbolRange? _range;
    private MdMessageParser? _parser;
    // The md parser exactly after the inputs applied so far (cuts encode it): the live parser runs ahead by the rest of
    // its pulled batch. Recovery's parser, then a follower that observes each live input as it is applied.
    private MdMessageParser? _observed;
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
        var parser = await RecoverAsync(dir, journal, cancellationToken).ConfigureAwait(false);
        host.Log(RestoredFromInput == 0
            ? $"shard {shard}: replayed {Recovered:N0} journal records (through stream seq {_maxSeq}{(Snapshots is { } s ? $"; no cut under {s.PersistenceId}" : "")}); live"
            : ResumedFromStreamSeq > 0
                ? $"shard {shard}: restored the cut after journal input {RestoredFromInput:N0} (minute {RestoredMinute}, {Snapshots!.Description} {Snapshots.PersistenceId}) without its journal (this node's journal does not reach it): replayed from stream sequence {ResumedFromStreamSeq + 1}; the journal begins after input {RestoredFromInput}; live"
                : $"shard {shard}: restored the cut after journal input {RestoredFromInput:N0} (minute {RestoredMinute}, {Snapshots!.Description} {Snapshots.PersistenceId}); replayed {Recovered:N0} of {JournalRecords:N0} journal inputs (through stream seq {_maxSeq}); live");
        if (OnCut is not null) _observed = MdParserStateCodec.Decode(MdParserStateCodec.Encode(parser), host.Subjects, host.Config.Live, parser.References, host.MdPartitions);

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
                _observed?.Observe(input);
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
    /// Rebuilds the shard's state: the newest persisted cut that fits (this shard, layout, settings),
    /// then the journal inputs after it, or the whole journal without one. A journal that holds the
    /// cut's input must be at the cut's stream sequence and day there; inputs up to it bring the md
    /// parser up to date only for a version 1 cut (a version 2 cut carries the parser's state). A cut
    /// this machine's journal does not hold restores without it (<see cref="RestoreWithoutJournal"/>).
    /// A cut that does not fit is one log line and the next older one is tried, then the whole
    /// journal. Every check happens before the first input is applied, so a refused cut leaves
    /// nothing behind. Returns the parser.
    /// </summary>
    private async Task<MdMessageParser> RecoverAsync(string dir, JournalWriter journal, CancellationToken cancellationToken)
    {
        var start = JournalStart.Read(dir);
        long begins = start?.AfterSequence ?? 0, last = journal.LastSequence;
        long bound = long.MaxValue;
        for (int attempt = 0; ; attempt++)
        {
            var cut = attempt < 4 && Snapshots is { } snapshots ? await snapshots.LoadAsync(bound, _fingerprint).ConfigureAwait(false) : null;
            var crossSection = new MinuteCrossSection(host.Config.BigOrder, host.Backend);
            _range = null;
            _inputs = begins;
            _maxSeq = start?.SourceSeq ?? 0;
            _rejected = 0;
            try
            {
                if (cut is not null && (last < cut.InputNumber || begins > cut.InputNumber))
                    return RestoreWithoutJournal(cut, journal, begins, last, crossSection);
                if (cut is null && begins > 0)
                {
                    // Nothing restores the inputs before this journal: start the day over from the stream's first message.
                    string? aside = journal.BeginAfter(null);
                    host.Log($"shard {shard}: its journal begins after input {begins} and no cut restores it{(aside is null ? "" : $"; journal set aside in {aside}")}; consuming SIG_MD from its first message");
                    begins = 0;
                    start = null;
                    _inputs = 0;
                    _maxSeq = 0;
                }
                MdMessageParser parser;
                if (cut?.ParserState is { } state)
                {
                    parser = MdParserStateCodec.Decode(state, host.Subjects, host.Config.Live, partitions: host.MdPartitions);
                    if (parser.Date != default) (_range, _rangeDate) = (RangeOf(parser.Universe), parser.Date);
                }
                else if (begins > 0) throw new InvalidDataException($"a cut without the md parser's state (version 1) needs the journal from input 1; it begins after input {begins}");
                else parser = new MdMessageParser(host.Subjects, host.Config.Live) { Partitions = host.MdPartitions };
                _parser = parser; // the close rows carry its reference rows
                _observed = parser;
                if (cut is null) _engine = new ShardMinuteEngine(crossSection);
                else (_engine, _rejected) = ShardSnapshotCodec.Decode(cut.State, shard, host.Shards, crossSection);
                long skip = cut?.InputNumber ?? 0;
                if (cut is not null && begins == skip) CheckAt(cut); // the journal begins right after the cut: its start is the cut's position
                var recovery = new JournalEventSource(dir)
                {
                    SkipThrough = skip,
                    Skipped = input =>
                    {
                        if (cut!.ParserState is null) parser.Observe(input);
                        Count(input);
                        if (input.Kind == MarketInputKind.DayStart)
                        {
                            _range = RangeOf(input.Symbols);
                            _rangeDate = input.Date;
                        }
                        if (_inputs == skip) CheckAt(cut);
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

    /// <summary>
    /// Restores a cut that this machine's journal does not hold (it ends before the cut's input, or begins after it):
    /// the shard's state and the md parser's from the cut, a journal that begins after the cut's input
    /// (<see cref="JournalStart"/>; a journal with records is set aside first), and the consumer positioned after the
    /// cut's stream sequence by the live source. A version 1 cut, without the parser's state, cannot.
    /// </summary>
    private MdMessageParser RestoreWithoutJournal(ShardCut cut, JournalWriter journal, long begins, long last, MinuteCrossSection crossSection)
    {
        var state = cut.ParserState
            ?? throw new InvalidDataException($"this node's journal holds inputs {begins + 1}..{last}, not the cut's input {cut.InputNumber}, and a version 1 cut has no md parser state to restore without it");
        var parser = MdParserStateCodec.Decode(state, host.Subjects, host.Config.Live, partitions: host.MdPartitions);
        var (engine, rejected) = ShardSnapshotCodec.Decode(cut.State, shard, host.Shards, crossSection);
        if (parser.Date != cut.Date || engine.Date != cut.Date || engine.LastClosedMinute != cut.Minute)
            throw new InvalidDataException($"the cut is of {cut.Date:yyyy-MM-dd} minute {cut.Minute}, its state of {engine.Date:yyyy-MM-dd} minute {engine.LastClosedMinute}, its md parser's of {parser.Date:yyyy-MM-dd}");
        // Every check is done: only now is the old journal replaced.
        string? aside = journal.BeginAfter(new JournalStart(cut.InputNumber, cut.StreamSeq, $"{Snapshots!.Description} {Snapshots.PersistenceId}#{cut.InputNumber}"));
        if (aside is not null) host.Log($"shard {shard}: this node's journal (inputs {begins + 1}..{last}) does not reach the cut after input {cut.InputNumber}: set aside in {aside}");
        (_engine, _rejected, _parser, _observed) = (engine, rejected, parser, parser);
        (_range, _rangeDate) = (RangeOf(parser.Universe), parser.Date);
        _inputs = cut.InputNumber;
        _maxSeq = cut.StreamSeq;
        JournalRecords = cut.InputNumber;
        Recovered = 0;
        RestoredFromInput = cut.InputNumber;
        RestoredMinute = cut.Minute;
        ResumedFromStreamSeq = cut.StreamSeq;
        Snapshots.ResumedFrom(cut);
        return parser;
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
            ShardSnapshotCodec.Encode(shard, host.Shards, engine, _rejected), MdParserStateCodec.Encode(_observed!)));
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
