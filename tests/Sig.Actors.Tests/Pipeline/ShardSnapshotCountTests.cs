using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// The shards' supervision snapshots counted where they fall: the cadence's after a clock, in that
/// minute's step; the day start's and those the events kept since the last one force, between steps.
/// The bytes are the same however many are taken.
/// </summary>
public sealed class ShardSnapshotCountTests
{
    private static MarketPipeline Run(InMemoryDay day, int snapshotEveryMinutes, int? eventsPerSnapshot)
    {
        using var backend = new CpuComputeBackend(1);
        var actors = new ActorOptions { MailboxCapacity = 4, SnapshotEveryMinutes = snapshotEveryMinutes, HoldSourceDuringSteps = true };
        var pipeline = eventsPerSnapshot is { } bound
            ? new MarketPipeline(new BigOrderOptions(), backend, shards: 2, actors) { EventsPerSnapshot = bound }
            : new MarketPipeline(new BigOrderOptions(), backend, shards: 2, actors);
        pipeline.RunAsync(new StoreEventSource([day.Date], _ => day, lanes: 2)).GetAwaiter().GetResult();
        return pipeline;
    }

    [Fact]
    public void Cadence_snapshots_fall_in_steps_and_the_day_starts_and_forced_ones_between()
    {
        var day = InMemoryDay.Random(30, 57, eventsPerSymbol: 1500);
        var cadence = Run(day, snapshotEveryMinutes: 30, eventsPerSnapshot: null);
        Assert.Equal((2 * 8, 2), cadence.ShardSnapshots); // minutes 30, 60, …, 240 and the day start, a shard each

        // ≈ 22,500 events a shard, a snapshot past every 2,000: about 11 each, after batches.
        var forced = Run(day, snapshotEveryMinutes: 0, eventsPerSnapshot: 2_000);
        Assert.Equal(0, forced.ShardSnapshots.InSteps);
        Assert.InRange(forced.ShardSnapshots.BetweenSteps, 2 + 2 * 5, 2 + 2 * 240);

        Assert.Equal(cadence.DigestHex, forced.DigestHex);
    }
}
