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
/// as for any collection. Only timing depends on this: no output does.
/// </summary>
public sealed class CollectionPacer
{
    private readonly long _budgetBytes;
    private readonly int[] _finished;
    private readonly object _gate = new();
    private int _collections = -1;
    private long _allocatedAtCollection;

    /// <param name="shards">Shards that report their minutes.</param>
    /// <param name="budgetBytes">Bytes allocated since the last collection after which one is started between steps (&gt; 0).</param>
    public CollectionPacer(int shards, long budgetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(budgetBytes, 1);
        _budgetBytes = budgetBytes;
        _finished = new int[shards];
    }

    /// <summary>Collections this pacer started (benchmarks).</summary>
    public int Started { get; private set; }

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
            // A collection since the last look (the runtime's own or another pacer's): count from here.
            int collections = GC.CollectionCount(0);
            long allocated = GC.GetTotalAllocatedBytes(precise: false);
            if (collections != _collections)
            {
                (_collections, _allocatedAtCollection) = (collections, allocated);
                return false;
            }
            if (allocated - _allocatedAtCollection < _budgetBytes) return false;
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            (_collections, _allocatedAtCollection) = (GC.CollectionCount(0), GC.GetTotalAllocatedBytes(precise: false));
            Started++;
            return true;
        }
    }
}
