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

    [Theory]
    [InlineData(0L)]       // no full growth set: paced collections are young ones only
    [InlineData(1L << 40)] // a growth never reached
    public void Short_of_the_full_growth_paced_collections_stay_young(long fullGrowthBytes)
    {
        var pacer = new CollectionPacer(1, budgetBytes: 1, fullGrowthBytes: fullGrowthBytes);
        for (int minute = 1; minute <= 20; minute++)
        {
            Allocate(1 << 16);
            pacer.Finished(0, minute);
        }
        Assert.True(pacer.Started > 0);
        Assert.Equal(0, pacer.FullStarted);
    }

    [Fact]
    public void Past_the_full_growth_a_paced_collection_is_a_full_one()
    {
        var pacer = new CollectionPacer(1, budgetBytes: 1, fullGrowthBytes: 1);
        int full = GC.CollectionCount(GC.MaxGeneration);
        for (int minute = 1; minute <= 20; minute++)
        {
            Allocate(1 << 16);
            pacer.Finished(0, minute);
        }
        Assert.True(pacer.FullStarted > 0);
        Assert.True(pacer.FullStarted <= pacer.Started);
        Assert.True(GC.CollectionCount(GC.MaxGeneration) >= full + pacer.FullStarted);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Leading_the_first_full_collection_starts_it_at_once_whatever_the_budget(bool lead)
    {
        // A budget never reached: without the lead nothing is started; with it, the first minute's end
        // after a collection showed the growth starts one full collection, and only one (after it the
        // budget rules again). Tests run in parallel and may collect in between: retry until ours ran
        // alone (a full collection of another test's resets the growth).
        for (int attempt = 0; attempt < 20; attempt++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            int full = GC.CollectionCount(GC.MaxGeneration);
            var pacer = new CollectionPacer(1, budgetBytes: 1L << 40, fullGrowthBytes: 16 << 20, leadFirstFull: lead);
            // Small arrays: a young collection promotes them, and shows the growth (a large object would
            // spend the large heap's budget and make the runtime's collection a full one).
            var kept = new byte[24 << 10][];
            for (int a = 0; a < kept.Length; a++) kept[a] = new byte[1_000];
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            bool grown = CollectionPacer.GrowthSinceFull() >= 16 << 20;
            for (int minute = 1; minute <= 5; minute++) pacer.Finished(0, minute);
            GC.KeepAlive(kept);
            // Another full collection than the pacer's (a test beside this one, or the runtime's own)
            // resets the growth: try again.
            if (!grown || GC.CollectionCount(GC.MaxGeneration) != full + pacer.FullStarted) continue;
            Assert.Equal(lead ? 1 : 0, pacer.FullStarted);
            Assert.Equal(pacer.FullStarted, pacer.Started);
            return;
        }
        Assert.Fail("a full collection ran between ours in every attempt");
    }

    [Fact]
    public void Growth_since_a_full_collection_counts_what_survived_a_young_one()
    {
        // Tests run in parallel and may collect in between: retry until nothing but ours ran.
        for (int attempt = 0; attempt < 20; attempt++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            int full = GC.CollectionCount(GC.MaxGeneration);
            long before = CollectionPacer.GrowthSinceFull();
            var kept = new byte[32 << 20]; // large-object heap: no young collection frees it while held
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            long after = CollectionPacer.GrowthSinceFull();
            GC.KeepAlive(kept);
            if (GC.CollectionCount(GC.MaxGeneration) != full) continue;
            Assert.True(after - before >= 32 << 20, $"growth {before} → {after}");
            return;
        }
        Assert.Fail("a full collection ran between ours in every attempt");
    }

    [Fact]
    public void Full_pacing_never_changes_the_bytes()
    {
        var day = InMemoryDay.Random(40, 100);
        // Growth is measured from the last full collection: one taken while an earlier test held tens of
        // MiB it has since dropped (Growth_since_a_full_collection_counts_what_survived_a_young_one keeps
        // 32 MiB) leaves every later heap below it, and no paced collection would be a full one. Start
        // from a full collection of this test's own.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var (paced, _) = PipelineKit.Run(PipelineKit.Store(day), shards: 2, actors: new ActorOptions { CollectionPacingMiB = 1, FullCollectionGrowthMiB = 1 });
        var (unpaced, _) = PipelineKit.Run(PipelineKit.Store(day), shards: 2, actors: new ActorOptions { CollectionPacingMiB = 0 });
        Assert.True(paced.PacedFullCollections > 0, $"{paced.PacedCollections} paced collections, none full");
        Assert.Equal(unpaced.DigestHex, paced.DigestHex);
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
