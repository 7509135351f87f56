using Sig.Engine.Memory;

namespace Sig.Actors.Pipeline;

/// <summary>
/// Places the pipeline's young collections between minute steps. The shards share one heap, so a
/// collection stops every shard: one that the runtime starts because an allocation ran out of
/// budget while any shard is in its minute step (evaluation, snapshot building, supervision
/// snapshot) adds its whole pause to that step. The pacer is told when each shard has finished a
/// minute; when the last of them finishes one (no shard is then in that minute's step, and the next
/// step is a minute of events away) and the process has allocated at least <c>budgetBytes</c> since the last
/// collection, it starts a young collection there. With a budget below the one the runtime would
/// grant, the runtime seldom needs to start one itself; when it does (its budget is smaller, e.g. at
/// the start of a day) nothing changes. The runtime still decides how old a generation to collect,
/// as for any collection, except when the heap has grown by <c>fullGrowthBytes</c> since the last
/// full collection: then the paced collection is a full one (and the first of them, where the pacer
/// leads it, is started at the first minute's end after a collection showed the growth, budget or not). Between full collections the old
/// generations only grow (state that died there and the pinned heap's dropped pieces stay counted
/// until one runs), and at the shape the runtime's own gen2 budget let the heap grow ≈ 0.6 GiB
/// between its mid-day full collections, so a day's peak depended on whether its last one came before the close
/// (docs/factor-core-rounds.md, "Twelfth round: peak memory headroom"). Only timing depends on this: no output does.
/// </summary>
public sealed class CollectionPacer
{
    private readonly long _budgetBytes, _fullGrowthBytes;
    private readonly bool _leadFirstFull;
    private readonly int[] _finished;
    private readonly object _gate = new();
    private int _collections = -1;
    private long _allocatedAtCollection;

    /// <param name="shards">Shards that report their minutes.</param>
    /// <param name="budgetBytes">Bytes allocated since the last collection after which one is started between steps (&gt; 0).</param>
    /// <param name="fullGrowthBytes">
    /// Growth of the heap since the last full collection (see <see cref="GrowthSinceFull"/>) at which a
    /// paced collection is a full one; 0: paced collections are always young ones.
    /// </param>
    /// <param name="leadFirstFull">
    /// Start the first full collection as soon as a collection shows the growth, whatever the budget
    /// (see <see cref="Finished"/>): for pipelines whose every minute step evaluates, where the
    /// runtime's own first full collection would otherwise fall inside a step.
    /// </param>
    public CollectionPacer(int shards, long budgetBytes, long fullGrowthBytes = 0, bool leadFirstFull = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(budgetBytes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(fullGrowthBytes);
        (_budgetBytes, _fullGrowthBytes, _leadFirstFull) = (budgetBytes, fullGrowthBytes, leadFirstFull);
        _finished = new int[shards];
    }

    /// <summary>Collections this pacer started (benchmarks).</summary>
    public int Started { get; private set; }

    /// <summary>Of <see cref="Started"/>, the full ones (benchmarks).</summary>
    public int FullStarted { get; private set; }

    /// <summary>
    /// Bytes in use after the last collection (of any generation) above those the last full blocking
    /// collection left alive: what the old generations and the large and pinned heaps gained since,
    /// live or dead (no young collection can tell). Before any full collection, all bytes in use.
    /// </summary>
    public static long GrowthSinceFull()
    {
        var last = GC.GetGCMemoryInfo(GCKind.Any);
        var full = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return last.HeapSizeBytes - last.FragmentedBytes - (full.HeapSizeBytes - full.FragmentedBytes);
    }

    /// <summary>
    /// Shard <paramref name="shard"/> has finished minute <paramref name="minute"/>'s step (and any
    /// snapshot after it). Returns true when this call started a collection.
    /// </summary>
    public bool Finished(int shard, int minute)
    {
        lock (_gate)
        {
            _finished[shard] = minute;
            // Only the last shard to finish a minute decides: a shard ahead of it is applying the
            // events of a later minute, not in a step (shards drift apart on a loaded machine, so
            // waiting for all to stand at the same minute would seldom fire).
            foreach (int m in _finished)
                if (m < minute) return false;
            // Until this pacer's first full collection (where it leads it), one is started as soon as
            // the last collection showed the growth, whatever the budget. In the first minutes of a day
            // the runtime's budgets are small and it starts the collections itself; the pinned and
            // large heaps' allocations (order-row chunks, index pages, event batches) spend its budget
            // for them, which only a full collection renews, so it soon started a full one, 70–160 ms
            // inside whichever step of a day read minute by minute it fell in (docs/factor-core-rounds.md,
            // twenty-sixth round). From the first paced full collection on, the budget's cadence keeps
            // ahead of the runtime's.
            bool fullNow = _leadFirstFull && FullStarted == 0 && _fullGrowthBytes > 0 && GrowthSinceFull() >= _fullGrowthBytes;
            // A collection since the last look (the runtime's own or another pacer's): count from here.
            int collections = GC.CollectionCount(0);
            long allocated = GC.GetTotalAllocatedBytes(precise: false);
            if (collections != _collections)
            {
                (_collections, _allocatedAtCollection) = (collections, allocated);
                if (!fullNow) return false;
            }
            else if (!fullNow && allocated - _allocatedAtCollection < _budgetBytes) return false;
            // A full one compacts: a swept gen2 keeps its holes committed while later promotions take
            // new regions; left to choose, the runtime swept every other paced full collection and the
            // day peaked ≈ 60 MiB higher (docs/factor-core-rounds.md, twelfth round).
            bool full = fullNow || (_fullGrowthBytes > 0 && GrowthSinceFull() >= _fullGrowthBytes);
            GC.Collect(full ? GC.MaxGeneration : 0, GCCollectionMode.Forced, blocking: true, compacting: full);
            if (full)
            {
                FullStarted++;
                GcHeapHugePages.Refresh(); // what the collector decommitted since lost the advice
            }
            (_collections, _allocatedAtCollection) = (GC.CollectionCount(0), GC.GetTotalAllocatedBytes(precise: false));
            Started++;
            return true;
        }
    }
}
