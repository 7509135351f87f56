using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Actors.Pipeline;

/// <summary>The part of a minute's cross-section one shard computed, with its counters so far (and at the close its daily bars).</summary>
internal sealed record ShardMinute(int Shard, FactorSnapshot Part, PipelineCounters Counters, RawDailyBar[]? Bars = null);

/// <summary>
/// The SymbolShard actor: owns the intraday state of a contiguous range of symbols (a
/// <see cref="ShardMinuteEngine"/> over them), applies their events, and when a clock closes
/// minutes computes its rows of each closed minute and sends them to the batcher. Symbols are
/// independent until the cross-section, so shards never share state. It snapshots its state
/// (flat array copies) at day starts, every <c>actors.snapshotEveryMinutes</c> closed minutes,
/// and whenever <see cref="MaxEventsSinceSnapshot"/> events have arrived since the last one, so
/// the messages kept for replay stay bounded; after a failure the supervisor restarts it, and it
/// restores the snapshot and replays the messages since. A snapshot's time counts in the minute step.
/// Snapshots are double-buffered in the shard's <see cref="MinuteCrossSection"/> (which outlives
/// restarts): the stage holds only the latest snapshot and restores by copying it, so the one
/// before it is free and the next snapshot is written into its arrays instead of new ones.
/// </summary>
internal sealed class SymbolShard(StageMemory memory, int index, MinuteCrossSection crossSection)
    : PipelineStage<MarketInput>(memory), ISnapshotable
{
    /// <summary>Events kept for replay before a snapshot is forced (about 56 MiB of events).</summary>
    public const int MaxEventsSinceSnapshot = 1 << 20;

    private ShardMinuteEngine _engine = new(crossSection);
    private long _rejected;
    private long _eventsSinceSnapshot;

    protected override ValueTask HandleAsync(MarketInput input)
    {
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _engine.BeginDay(input.Date, input.Symbols);
                RequestSnapshot();
                break;
            case MarketInputKind.Ticks:
                if (input.Date == _engine.Date) _engine.Apply(input.Events);
                else _rejected += input.Events.Length; // a source never sends these; counted rather than mixed into another day
                _eventsSinceSnapshot += input.Events.Length;
                if (_eventsSinceSnapshot >= MaxEventsSinceSnapshot) RequestSnapshot();
                break;
            case MarketInputKind.Clock:
                if (input.Date != _engine.Date) break;
                List<FactorSnapshot>? closed = null;
                _engine.Clock(input.Time, snap => (closed ??= []).Add(snap));
                if (closed is null) break;
                foreach (var part in closed)
                {
                    if (SnapshotEveryMinutes > 0 && part.Minute % SnapshotEveryMinutes == 0) RequestSnapshot();
                    // A retried message may send a minute again; the batcher ignores repeats.
                    if (!IsReplaying) Emit(0, new ShardMinute(index, part, Counters,
                        part.Minute == Sig.Engine.Time.SessionBars.BarsPerDay ? _engine.DailyBars() : null));
                }
                break;
            default:
                _rejected += input.Reject?.Rows ?? 1; // one reject input per refused message, counting its rows
                break;
        }
        return ValueTask.CompletedTask;
    }

    private PipelineCounters Counters => new(_engine.EventsApplied, _engine.LateEvents, _engine.UnknownSymbolEvents, _rejected);

    public object Snapshot()
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
        var snapshot = (crossSection.NextSnapshot(into => _engine.Clone(into)), _rejected);
        _eventsSinceSnapshot = 0;
        crossSection.AddSnapshotMillis(System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds); // wall-clock ok: benchmark timing only
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
