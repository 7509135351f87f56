using Sig.Engine.Events;
using Sig.Engine.Nats;

namespace Sig.Cluster.Sharding;

/// <summary>
/// The shard key. Whole md input: shard k of K owns the contiguous positions [k·⌈n/K⌉, (k+1)·⌈n/K⌉)
/// of the day's ascending universe of n symbols (<see cref="Sig.Actors.Pipeline.ShardRanges"/>, the single-process router's rule), so the merged
/// rows of a minute are the shards' rows concatenated in shard order, which is symbol order.
/// Partitioned md input (<see cref="ByPartition"/>): shard k owns the symbols whose md partition is
/// k, ascending; the singleton merges the shards' rows by symbol. Symbols outside the universe
/// belong to shard 0, which counts them, as the router does.
/// </summary>
public sealed class SymbolRange
{
    private readonly int[] _values;
    private readonly int[] _universe;

    /// <param name="universe">The day's universe, ascending and distinct (a day start's symbols).</param>
    /// <param name="shard">This shard's index.</param>
    /// <param name="shards">The number of shards.</param>
    public SymbolRange(SymbolCode[] universe, int shard, int shards)
        : this(universe, shard, Contiguous(universe, Check(shard, shards), shards))
    {
    }

    private SymbolRange(SymbolCode[] universe, int shard, SymbolCode[] symbols)
    {
        Shard = shard;
        Symbols = symbols;
        _values = Array.ConvertAll(Symbols, s => s.Value);
        _universe = Array.ConvertAll(universe, s => s.Value);
    }

    /// <summary>The symbols of <paramref name="universe"/> (ascending, distinct) whose md partition is <paramref name="shard"/> (K partitions = K shards).</summary>
    public static SymbolRange ByPartition(SymbolCode[] universe, int shard, MdPartitions partitions)
    {
        Check(shard, partitions.Count);
        return new SymbolRange(universe, shard, [.. universe.Where(s => partitions.OfSymbol(s.ToString()) == shard)]);
    }

    private static int Check(int shard, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        return shard;
    }

    private static SymbolCode[] Contiguous(SymbolCode[] universe, int shard, int shards)
    {
        var starts = Sig.Actors.Pipeline.ShardRanges.Starts(universe.Length, shards);
        return universe[starts[shard]..starts[shard + 1]];
    }

    /// <summary>The shard index.</summary>
    public int Shard { get; }

    /// <summary>The shard's symbols, ascending.</summary>
    public SymbolCode[] Symbols { get; }

    /// <summary>True when this shard applies events of <paramref name="symbol"/>.</summary>
    public bool Owns(int symbol) =>
        Array.BinarySearch(_values, symbol) >= 0 || Shard == 0 && Array.BinarySearch(_universe, symbol) < 0;

    /// <summary>The events of <paramref name="events"/> this shard applies, in arrival order (the span itself when it owns all).</summary>
    public ReadOnlySpan<TickEvent> Select(ReadOnlySpan<TickEvent> events)
    {
        int owned = 0, lastValue = int.MinValue;
        bool lastOwned = false;
        foreach (ref readonly var e in events)
        {
            if (e.Symbol != lastValue) lastOwned = Owns(lastValue = e.Symbol);
            if (lastOwned) owned++;
        }
        if (owned == events.Length) return events;
        var kept = new TickEvent[owned];
        int at = 0;
        lastValue = int.MinValue;
        foreach (ref readonly var e in events)
        {
            if (e.Symbol != lastValue) lastOwned = Owns(lastValue = e.Symbol);
            if (lastOwned) kept[at++] = e;
        }
        return kept;
    }
}
