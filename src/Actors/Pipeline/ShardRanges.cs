namespace Sig.Actors.Pipeline;

/// <summary>
/// How a day's ascending universe is cut into shards: shard k of K owns the contiguous positions
/// [k·⌈n/K⌉, (k+1)·⌈n/K⌉) of its n symbols. One rule for the router (which shard gets an event),
/// the store source (which symbols make up a lane) and the cluster's symbol ranges, so a shard's
/// rows are concatenated in shard order, which is symbol order.
/// </summary>
public static class ShardRanges
{
    /// <summary>Positions per shard, ⌈<paramref name="symbols"/> / <paramref name="shards"/>⌉ (the last shard may own fewer).</summary>
    public static int PerShard(int symbols, int shards) => (symbols + shards - 1) / Math.Max(1, shards);

    /// <summary>Shard k's positions are [starts[k], starts[k + 1]); <paramref name="shards"/> + 1 entries, the last one <paramref name="symbols"/>.</summary>
    public static int[] Starts(int symbols, int shards)
    {
        int per = PerShard(symbols, shards);
        var starts = new int[shards + 1];
        for (int s = 0; s <= shards; s++) starts[s] = Math.Min(symbols, s * per);
        return starts;
    }
}
