using Sig.Engine.Events;

namespace Sig.Cluster.Sharding;

/// <summary>
/// The shard key: shard k of K owns the contiguous positions [k·⌈n/K⌉, (k+1)·⌈n/K⌉) of the day's
/// ascending universe of n symbols (the single-process router's rule), so the merged rows of a
/// minute are the shards' rows concatenated in shard order, which is symbol order. Symbols outside
/// the universe belong to shard 0, which counts them, as the router does.
/// </summary>
public sealed class SymbolRange
{
    private readonly int[] _values;
    private readonly int[] _universe;

    /// <param name="universe">The day's universe, ascending and distinct (a day start's symbols).</param>
    /// <param name="shard">This shard's index.</param>
    /// <param name="shards">The number of shards.</param>
    public SymbolRange(SymbolCode[] universe, int shard, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        Shard = shard;
        int per = (universe.Length + shards - 1) / shards;
        int start = Math.Min(universe.Length, shard * per), end = Math.Min(universe.Length, (shard + 1) * per);
        Symbols = universe[start..end];
        _values = Array.ConvertAll(Symbols, s => s.Value);
        _universe = Array.ConvertAll(universe, s => s.Value);
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
