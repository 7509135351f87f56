using Sig.Engine.Persistence;

namespace Sig.Factors.Intraday;

/// <summary>
/// The submitted size (price × volume of the order row) of each parent order by (order id, side),
/// for big-order classification by submitted size (<c>factors.bigOrderSizing</c> = submitted,
/// docs/factors.md): a later row of the same order replaces its size; a row without a positive
/// price or id is ignored. The one implementation behind the CPU <see cref="BigOrderBook"/> and
/// the device backend's host track, so both size an order alike. Nothing is allocated before the
/// first order: a book sized by fills (the default) keeps an empty table and never adds to it.
/// </summary>
public sealed class SubmittedOrderSizes
{
    private readonly int _initialCapacity;
    private OrderIdMap? _index;
    private long[] _sizes = [];
    private int _count;

    /// <summary>An empty table that makes room for <paramref name="capacity"/> orders at its first one.</summary>
    public SubmittedOrderSizes(int capacity = 64) => _initialCapacity = Math.Max(1, capacity);

    /// <summary>True while nothing is allocated (no order was ever recorded).</summary>
    public bool IsUnallocated => _index is null;

    /// <summary>Records (or replaces) an order's submitted size.</summary>
    public void Add(long orderId, bool sell, long price, long volume)
    {
        if (price <= 0 || orderId <= 0) return;
        long key = Key(orderId, sell);
        _index ??= new OrderIdMap(_initialCapacity);
        if (!_index.TryGetValue(key, out int at))
        {
            at = _count++;
            if (at == _sizes.Length) Array.Resize(ref _sizes, Math.Max(_initialCapacity, at * 2));
            _index.Add(key, at);
        }
        _sizes[at] = price * volume;
    }

    /// <summary>The order's submitted size, false when it has none.</summary>
    public bool TryGet(long orderId, bool sell, out long size)
    {
        int at = 0;
        bool found = _index is not null && _index.TryGetValue(Key(orderId, sell), out at);
        size = found ? _sizes[at] : 0;
        return found;
    }

    public void Clear()
    {
        _index?.Clear();
        _count = 0;
    }

    /// <summary>An equal, independent copy (the copy-on-write step of a forked <see cref="BigOrderBook"/>).</summary>
    public SubmittedOrderSizes Clone() =>
        new(_initialCapacity) { _sizes = (long[])_sizes.Clone(), _count = _count, _index = _index?.Clone() };

    /// <summary>Makes <paramref name="other"/> an equal, independent copy.</summary>
    public void CopyTo(SubmittedOrderSizes other)
    {
        if (_index is null) other._index?.Clear();
        else if (other._index is null) other._index = _index.Clone();
        else _index.CopyTo(other._index);
        if (other._sizes.Length < _count) other._sizes = new long[_sizes.Length];
        _sizes.AsSpan(0, _count).CopyTo(other._sizes);
        other._count = _count;
    }

    /// <summary>Snapshot bytes: the count, then per order in first-record order the key's delta from the previous key and the size.</summary>
    internal void WriteTo(SnapshotWriter w)
    {
        w.WriteVar(_count);
        if (_count == 0) return;
        var keys = System.Buffers.ArrayPool<long>.Shared.Rent(_count); // every entry below _count is written
        _index!.ForEach((key, at) => keys[at] = key);
        long previous = 0;
        for (int at = 0; at < _count; at++)
        {
            w.WriteVar(keys[at] - previous);
            previous = keys[at];
            w.WriteVar(_sizes[at]);
        }
        System.Buffers.ArrayPool<long>.Shared.Return(keys);
    }

    /// <summary>Replaces the table with the one <see cref="WriteTo"/> wrote (at most <paramref name="maxRows"/> orders).</summary>
    internal void ReadFrom(SnapshotReader r, int maxRows)
    {
        Clear();
        _count = r.ReadCount(maxRows, "submitted orders");
        if (_count == 0) return;
        if (_sizes.Length < _count) _sizes = new long[System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_count)];
        _index ??= new OrderIdMap(_count);
        long key = 0;
        for (int at = 0; at < _count; at++)
        {
            key += r.ReadVar();
            if (key <= 0) throw new InvalidDataException($"submitted order key {key}");
            if (_index.TryGetValue(key, out _)) throw new InvalidDataException($"submitted order key {key} twice");
            _index.Add(key, at);
            _sizes[at] = r.ReadVar();
        }
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);
}
