using Sig.Actors.Runtime;
using Sig.Engine.Daily;
using Sig.Engine.Events;
using Sig.Engine.Output;

namespace Sig.Actors.Pipeline;

/// <summary>The part of a minute's cross-section one shard computed, with its counters so far (and at the close its daily bars).</summary>
internal sealed record ShardMinute(int Shard, FactorSnapshot Part, PipelineCounters Counters, RawDailyBar[]? Bars = null);

/// <summary>
/// The SymbolShard actor: owns the intraday state of a contiguous range of symbols (a
/// <see cref="ShardMinuteEngine"/> over them), applies their events, and when a clock closes
/// minutes computes its rows of each closed minute and sends them to the batcher. Symbols are
/// independent until the cross-section, so shards never share state. It snapshots its state
/// (a deep copy) at day starts and every <c>actors.snapshotEveryMinutes</c> closed minutes;
/// after a failure the runtime restores it and replays the messages since.
/// </summary>
internal sealed class SymbolShard(int index, MinuteCrossSection crossSection, ActorRef<ShardMinute> batcher)
    : IActorBehavior<MarketInput>, ISnapshotable
{
    private ShardMinuteEngine _engine = new(crossSection);
    private long _rejected;

    public async ValueTask HandleAsync(MarketInput input, ActorContext context)
    {
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _engine.BeginDay(input.Date, input.Symbols);
                context.RequestSnapshot();
                break;
            case MarketInputKind.Ticks:
                if (input.Date == _engine.Date) _engine.Apply(input.Events);
                else _rejected += input.Events.Length; // a source never sends these; counted rather than mixed into another day
                break;
            case MarketInputKind.Clock:
                if (input.Date != _engine.Date) break;
                List<FactorSnapshot>? closed = null;
                _engine.Clock(input.Time, snap => (closed ??= []).Add(snap));
                if (closed is null) break;
                foreach (var part in closed)
                {
                    if (context.SnapshotEveryMinutes > 0 && part.Minute % context.SnapshotEveryMinutes == 0) context.RequestSnapshot();
                    // A retried message may send a minute again; the batcher ignores repeats.
                    if (!context.IsReplaying) await batcher.SendAsync(new ShardMinute(index, part, Counters,
                        part.Minute == Sig.Engine.Time.SessionBars.BarsPerDay ? _engine.DailyBars() : null)).ConfigureAwait(false);
                }
                break;
            default:
                _rejected++;
                break;
        }
    }

    private PipelineCounters Counters => new(_engine.EventsApplied, _engine.LateEvents, _engine.UnknownSymbolEvents, _rejected);

    public object Snapshot() => (_engine.Clone(), _rejected);

    public void Restore(object? snapshot)
    {
        if (snapshot is null) return;
        var (engine, rejected) = ((ShardMinuteEngine, long))snapshot;
        _engine = engine.Clone();
        _rejected = rejected;
    }
}
