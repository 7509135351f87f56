using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// The store source's pooled batches through the whole pipeline: a shard keeps its batches for
/// replay until its next snapshot and only then hands them back, so a restarted shard replays
/// batches that are still its own even though newer batches were rented (from reused arrays)
/// meanwhile; and a pooled run gives the bytes of a run over owned arrays.
/// </summary>
public sealed class PooledBatchTests
{
    [Fact]
    public void A_shard_restarted_after_newer_batches_reused_the_pool_replays_its_kept_batches_unchanged()
    {
        // About 5 batches a minute; 2 shards, so each batch straddling the shard boundary is split into pooled parts.
        var day = InMemoryDay.Random(24, 11, eventsPerSymbol: 16_000);
        var actors = new ActorOptions { SnapshotEveryMinutes = 30, MailboxCapacity = 4 }; // small mailboxes bound the batches in flight, so the reuse counts below do not follow the load
        string owned = PipelineKit.Run(new ListSource(OwnedCopies(PipelineKit.Store(day))), shards: 2, actors: actors).Pipeline.DigestHex;

        var clean = PipelineKit.Store(day);
        Assert.Equal(owned, PipelineKit.Run(clean, shards: 2, actors: actors).Pipeline.DigestHex);
        // On a day this small the batches in flight (a window per link) and those kept since the last snapshot
        // are a large part of the day, so about half the rents are reuses; on a market day nearly all are.
        Assert.True(clean.Pool.Allocated < clean.Pool.Rented * 3 / 4, $"{clean.Pool.Allocated} arrays allocated for {clean.Pool.Rented} batches: the pool was not reused");

        // Minutes 45 and 200 fail once each (between the snapshots at 30/60 and 180/210): by then the batches
        // released at 30 and 180 have been rented again for newer minutes, while 31–44 and 181–199 are kept for replay.
        var failed = new HashSet<int>();
        using var flaky = new FlakyBackend(new CpuComputeBackend(1), (_, minute) => { lock (failed) return minute is 45 or 200 && failed.Add(minute); });
        var source = PipelineKit.Store(day);
        var (pipeline, outputs) = PipelineKit.Run(source, shards: 2, backend: flaky, actors: actors);
        Assert.Equal(2, flaky.Failures);
        Assert.Equal(2, pipeline.Actors.Restarts); // a batch released twice or read after its release would fail the shard again
        Assert.Equal(240, outputs.Count);
        Assert.Equal(owned, pipeline.DigestHex);
        Assert.True(source.Pool.Allocated < source.Pool.Rented * 3 / 4, $"{source.Pool.Allocated} arrays allocated for {source.Pool.Rented} batches");
        Assert.True(source.Pool.Returned <= source.Pool.Rented);
    }

    [Fact]
    public void Pooled_batches_over_several_days_give_the_bytes_of_owned_arrays_for_any_shard_count()
    {
        var days = new[] { InMemoryDay.Random(30, 21, eventsPerSymbol: 6000), InMemoryDay.Random(30, 22, eventsPerSymbol: 6000, dayOffset: 1) };
        var byDate = days.ToDictionary(d => d.Date, d => (IDayEvents)d);
        StoreEventSource Source() => new([.. days.Select(d => d.Date)], d => byDate[d]);
        string owned = PipelineKit.Run(new ListSource(OwnedCopies(Source())), shards: 1).Pipeline.DigestHex;
        foreach (int shards in new[] { 1, 3 })
        {
            var source = Source();
            var (pipeline, outputs) = PipelineKit.Run(source, shards: shards, actors: new ActorOptions { SnapshotEveryMinutes = 20, MailboxCapacity = 4 });
            Assert.Equal(480, outputs.Count);
            Assert.Equal(owned, pipeline.DigestHex);
            Assert.True(source.Pool.Returned > 0 && source.Pool.Allocated < source.Pool.Rented, $"{shards} shards: pool not reused");
        }
    }

    /// <summary>The source's inputs with their events copied into arrays the inputs own (what a non-pooled source would send).</summary>
    private static List<MarketInput> OwnedCopies(StoreEventSource source)
    {
        var inputs = new List<MarketInput>();
        var reader = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        while (reader.MoveNextAsync().AsTask().GetAwaiter().GetResult())
        {
            var input = reader.Current;
            if (input.Kind != MarketInputKind.Ticks) { inputs.Add(input); continue; }
            inputs.Add(MarketInput.Ticks(input.Date, input.Events.ToArray(), input.SourceSeq));
            input.Release();
        }
        return inputs;
    }
}
