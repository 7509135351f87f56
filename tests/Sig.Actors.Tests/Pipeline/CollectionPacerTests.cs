using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

public class CollectionPacerTests
{
    // Keeps the allocations below from being optimized away.
    private static byte[]? _sink;

    private static void Allocate(int bytes) => _sink = new byte[bytes];

    [Fact]
    public void Nothing_is_collected_while_a_shard_has_not_finished_the_minute()
    {
        var pacer = new CollectionPacer(2, budgetBytes: 1);
        for (int minute = 1; minute <= 20; minute++)
        {
            Allocate(1 << 16);
            Assert.False(pacer.Finished(0, minute)); // shard 1 is still at the minute before
        }
        Assert.Equal(0, pacer.Started);
    }

    [Fact]
    public void The_last_shard_to_finish_a_minute_decides_even_when_another_is_ahead()
    {
        var pacer = new CollectionPacer(2, budgetBytes: 1);
        int started = 0;
        for (int minute = 1; minute <= 20; minute++)
        {
            Allocate(1 << 16);
            Assert.False(pacer.Finished(0, minute + 1)); // shard 0 runs a minute ahead
            if (pacer.Finished(1, minute)) started++;
        }
        Assert.True(started > 0);
        Assert.Equal(started, pacer.Started);
    }

    [Fact]
    public void A_collection_is_started_once_every_shard_finished_and_the_budget_is_spent()
    {
        var pacer = new CollectionPacer(2, budgetBytes: 1);
        int started = 0, collections = GC.CollectionCount(0);
        // The first look only sets where counting starts; another test's collection in between also
        // resets it, so a few minutes are run rather than exactly two.
        for (int minute = 1; minute <= 20; minute++)
        {
            Allocate(1 << 16);
            Assert.False(pacer.Finished(1, minute));
            if (pacer.Finished(0, minute)) started++;
        }
        Assert.True(started > 0);
        Assert.Equal(started, pacer.Started);
        Assert.True(GC.CollectionCount(0) >= collections + started);
    }

    [Fact]
    public void Below_the_budget_the_runtime_is_left_alone()
    {
        var pacer = new CollectionPacer(1, budgetBytes: 1L << 40);
        for (int minute = 1; minute <= 20; minute++)
        {
            Allocate(1 << 16);
            Assert.False(pacer.Finished(0, minute));
        }
        Assert.Equal(0, pacer.Started);
    }

    [Fact]
    public void Pacing_never_changes_the_bytes()
    {
        var day = InMemoryDay.Random(40, 100);
        // A one-MiB budget: the pipeline starts collections between steps throughout the day.
        var (paced, _) = PipelineKit.Run(PipelineKit.Store(day), shards: 2, actors: new ActorOptions { CollectionPacingMiB = 1 });
        var (unpaced, _) = PipelineKit.Run(PipelineKit.Store(day), shards: 2, actors: new ActorOptions { CollectionPacingMiB = 0 });
        Assert.True(paced.PacedCollections > 0);
        Assert.Equal(0, unpaced.PacedCollections);
        Assert.Equal(unpaced.DigestHex, paced.DigestHex);
        Assert.Equal(paced.ComputeMillis.Count(), paced.ComputePauseMillis.Count());
    }
}
