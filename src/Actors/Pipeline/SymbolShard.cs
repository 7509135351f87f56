using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The part of a minute's cross-section one shard computed — its rows and, in a day read symbol by
/// symbol, their text in the payload (<see cref="ValueRows"/>, written on the shard's thread so the
/// batcher only joins texts) — with its counters so far (and at the close its daily bars).
/// </summary>
/// <remarks>With pooled rows (<see cref="RowPool"/> set) the part's rows go back to that pool once
/// the batcher has joined them, or with one shard once the publisher is done with the minute; the
/// text goes back to its pool once the batcher has joined it.</remarks>
internal sealed record ShardMinute(int Shard, FactorSnapshot Part, PipelineCounters Counters, OutputPayload? ValueRows, ArraySegment<RawDailyBar>? Bars = null)
{
    /// <summary>Where <see cref="Part"/>'s rows were rented from (null: the part owns them).</summary>
    public MinuteBufferPool<double>? RowPool { get; init; }

    /// <summary>Where <see cref="Part"/>'s sequence numbers were rented from (null: the part owns them).</summary>
    public MinuteBufferPool<long>? SeqPool { get; init; }
}

/// <summary>
/// The SymbolShard actor: owns the intraday state of a contiguous range of symbols (a
/// <see cref="ShardMinuteEngine"/> over them), applies their events, and when a clock closes
/// minutes computes its rows of each closed minute and sends them to the batcher. Symbols are
/// independent until the cross-section, so shards never share state. It snapshots its state
/// (flat array copies) at day starts, every <c>actors.snapshotEveryMinutes</c> closed minutes,
/// and whenever <see cref="MaxEventsSinceSnapshot"/> events have arrived since the last one, so
/// the messages kept for replay stay bounded; after a failure the supervisor restarts it, and it
/// restores the snapshot and replays the messages since. Those kept messages are the only
/// references to their event batches after the shard has applied them, so a batch rented from a
/// pool goes back to it when the snapshot that covers it is taken (<see cref="Released"/>), never
/// earlier: a restart replays batches that are still its own. A snapshot's time counts in the minute step.
/// Snapshots are double-buffered in the shard's <see cref="MinuteCrossSection"/> (which outlives
/// restarts): the stage holds only the latest snapshot and restores by copying it, so the one
/// before it is free and the next snapshot is written into its arrays instead of new ones.
/// When the pipeline persists its state, the clock of a cut (a multiple of
/// <c>persistence.everyMinutes</c> closed) also takes a snapshot, which is handed to the
/// persistence writer to encode off this stage's path (pinned until then).
/// </summary>
internal sealed class SymbolShard(StageMemory memory, int index, MinuteCrossSection crossSection, MinuteTimeline? timeline = null,
    Sig.Actors.Persistence.PipelinePersistence? persistence = null)
    : PipelineStage<MarketInput>(memory), ISnapshotable
{
    private (DateOnly Date, int Minute)? _cut;

    /// <summary>Events kept for replay before a snapshot is forced (about 56 MiB of events).</summary>
    public const int MaxEventsSinceSnapshot = 1 << 20;

    private ShardMinuteEngine _engine = new(crossSection);
    // Keeps each of this shard's cells' text from its last minute written (quiet cells are copied, not formatted again).
    private readonly SnapshotPayloadWriter _valueRows = new();
    private long _rejected;
    private long _eventsSinceSnapshot;
    // The minute the previous message closed, not yet reported to the pacer (0: none).
    private int _closedUnreported;

    // The kind of the message being handled (a snapshot after it is in a step when it is a clock).
    private MarketInputKind _handling;

    protected override ValueTask HandleAsync(MarketInput input)
    {
        _handling = input.Kind;
        if (crossSection.PinThread) ShardThreadAffinity.BindCurrentThread(index); // once per thread: a no-op after the first message
        // Reported here rather than where the minute closed: a snapshot the clock asked for is taken
        // after that message, and it is part of the step.
        if (_closedUnreported > 0)
        {
            crossSection.Pacer?.Finished(index, _closedUnreported);
            _closedUnreported = 0;
        }
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _engine.BeginDay(input.Date, input.Symbols, input.EventCounts);
                if (crossSection.Outputs == PipelineOutputs.All) crossSection.WarmStepBuffers(_engine.Symbols.Count);
                RequestSnapshot();
                break;
            case MarketInputKind.Ticks:
                if (input.Date == _engine.Date) _engine.Apply(input.Events);
                else _rejected += input.EventCount; // a source never sends these; counted rather than mixed into another day
                _eventsSinceSnapshot += input.EventCount;
                if (_eventsSinceSnapshot >= crossSection.EventsPerSnapshot) RequestSnapshot();
                break;
            case MarketInputKind.Clock:
                if (input.Date != _engine.Date) break;
                long started = timeline is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
                int before = _engine.LastClosedMinute;
                List<FactorSnapshot>? closed = null;
                _engine.Clock(input.Time, snap => (closed ??= []).Add(snap));
                if (_engine.LastClosedMinute > before) _closedUnreported = _engine.LastClosedMinute;
                if (persistence is not null && persistence.IsCut(before, _engine.LastClosedMinute))
                {
                    if (_engine.CanPersist)
                    {
                        _cut = (_engine.Date, _engine.LastClosedMinute);
                        RequestSnapshot();
                    }
                    else persistence.CannotPersist();
                }
                if (closed is null) break;
                foreach (var part in closed)
                {
                    if (SnapshotEveryMinutes > 0 && part.Minute % SnapshotEveryMinutes == 0) RequestSnapshot();
                    timeline?.Mark(MinutePoint.ShardStart, part.Minute, started);
                    // A retried message may send a minute again; the batcher ignores repeats.
                    if (!IsReplaying)
                    {
                        // A by-symbol day's read-outs come in a burst after its events: there the shards write their parts'
                        // text in parallel. Minute by minute (live) the batcher writes it after the join, off every shard's
                        // step: written here it ran beside the other shard's step and took its p99 from ≈ 13 to ≈ 16.5 ms.
                        var text = _engine.DayBySymbol ? _valueRows.WriteRows(part, crossSection.TextPool) : null;
                        Emit(0, new ShardMinute(index, part, Counters, text,
                            part.Minute == Sig.Engine.Time.SessionBars.BarsPerDay ? _engine.DailyBarsAtClose() : (ArraySegment<RawDailyBar>?)null) { RowPool = crossSection.RowPool, SeqPool = crossSection.SeqPool });
                    }
                    else
                    {
                        // Recomputed to rebuild the state, sent the first time: nobody else holds these rows.
                        crossSection.RowPool?.Return(part.Values);
                        crossSection.SeqPool?.Return(part.LastSeq);
                    }
                    timeline?.Mark(MinutePoint.ShardDone, part.Minute);
                }
                break;
            default:
                _rejected += input.Reject?.Rows ?? 1; // one reject input per refused message, counting its rows
                break;
        }
        return ValueTask.CompletedTask;
    }

    // After the clock's snapshot, if it asked for one: the snapshot is part of the step, so the source
    // stays held through it and the other shards are helped once it is done.
    protected override void Completed(MarketInput input)
    {
        if (input.Kind != MarketInputKind.Clock) return;
        // Every clock, closing or not, of this day or not: the source waits for all shards to have handled it.
        crossSection.StepGate?.Handled(index, input.Date, input.Time);
        // Its own step over, the shard's thread takes what is left of the others' (if one is off its
        // CPU in mid-step, the rest of that step runs here instead of waiting for it).
        crossSection.HelpBoard?.Help(index);
    }

    // The shard is the last reader of its ticks inputs: once a snapshot covers one (or it is dropped
    // as poison) its pooled array goes back to the source's pool. Clocks and day starts own nothing.
    protected override void Released(MarketInput input) => input.Release();

    private PipelineCounters Counters => new(_engine.EventsApplied, _engine.LateEvents, _engine.UnknownSymbolEvents, _rejected);

    public object Snapshot()
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
        var paused = GC.GetTotalPauseDuration();
        long cpu0 = Sig.Engine.Time.ThreadCpuClock.Nanoseconds();
        var snapshot = (crossSection.NextSnapshot(into => _engine.Clone(into)), _rejected);
        _eventsSinceSnapshot = 0;
        if (_cut is { } cut && persistence is not null)
            persistence.ShardReady(index, cut.Date, cut.Minute, snapshot.Item1, _rejected, crossSection.Pin(snapshot.Item1));
        _cut = null;
        double cpuMs = (Sig.Engine.Time.ThreadCpuClock.Nanoseconds() - cpu0) / 1e6; // nested inside the wall interval
        double pausedMs = (GC.GetTotalPauseDuration() - paused).TotalMilliseconds;
        crossSection.AddSnapshotMillis(System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds, pausedMs, cpuMs, inStep: _handling == MarketInputKind.Clock); // wall-clock ok: benchmark timing only
        return snapshot;
    }

    public void Restore(object? snapshot)
    {
        if (snapshot is null) return;
        var (engine, rejected) = ((ShardMinuteEngine, long))snapshot;
        _engine = engine.Clone();
        _rejected = rejected;
        _eventsSinceSnapshot = 0;
    }
}
