using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Factors.Output;
using Sig.Replay.Store;

namespace Sig.Orchestration;

/// <summary>The 27 factors of every symbol of one stored date as of a minute (`engine factors`).</summary>
public static class FactorsRun
{
    /// <summary>
    /// Replays <paramref name="date"/> up to <paramref name="minute"/> (1..240; 240 = the daily values) and
    /// returns that minute's cross-section with the pipeline that computed it (its counters and step times).
    /// </summary>
    public static (FactorSnapshot Snapshot, MarketPipeline Pipeline) AsOf(EngineConfig config, TickStore ticks, DateOnly date, int minute)
    {
        if (minute is < 1 or > 240) throw new ArgumentException("--asof-minute must be in 1..240");
        FactorSnapshot? snapshot = null;
        var pipeline = StoreReplay.Run(config, config.Replay.Workers, new StoreEventSource([date], ticks.OpenDay, lastMinute: minute, lanes: config.Replay.Workers),
            p => p.Outputs.Subscribe(o => { if (o.Snapshot.Minute == minute) snapshot = o.Snapshot; }));
        return (snapshot!, pipeline);
    }
}
