using Sig.Engine.Memory;

namespace Sig.Engine.Events;

/// <summary>
/// Fixed-size event arrays for the <see cref="MarketInputKind.Ticks"/> inputs of one source, reused
/// once their last reader is done with them. The pipeline keeps a shard's inputs until its next
/// snapshot (they are replayed after a restart), so a batch lives far longer than a young-generation
/// collection: allocated fresh, each one would be promoted and collected later at a higher cost.
/// Ownership: the input built over a rented array owns it, and <see cref="MarketInput.Release"/>
/// returns it here exactly once (a second release throws; a released input's events cannot be read).
/// An array whose input is never released is simply collected. Thread-safe: the source rents on its
/// thread, the shards release on theirs.
/// </summary>
public sealed class TickBatchPool : ArrayRecycler<TickEvent>
{
    // Every batch kept for replay may come back at once, so the free list is not capped; an input
    // releases its batch once (MarketInput.Release guards it), so returns are not scanned for doubles.
    /// <param name="batchEvents">Events per array (every array of the pool has this length).</param>
    public TickBatchPool(int batchEvents) : base(int.MaxValue, refuseDoubleReturn: false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchEvents, 1);
        BatchEvents = batchEvents;
    }

    /// <summary>Length of every array of the pool.</summary>
    public int BatchEvents { get; }

    /// <summary>An array of <see cref="BatchEvents"/> events; its contents are whatever its last user left (the renter writes before reading).</summary>
    public TickEvent[] Rent() => RentArray(BatchEvents);

    /// <summary>Takes back an array nothing reads any more (called by <see cref="MarketInput.Release"/>).</summary>
    internal void Return(TickEvent[] array)
    {
        if (array.Length != BatchEvents) throw new ArgumentException($"an array of {array.Length} events was not rented from a pool of {BatchEvents}-event arrays", nameof(array));
        ReturnArray(array);
    }
}
