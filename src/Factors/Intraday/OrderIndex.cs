namespace Sig.Factors.Intraday;

/// <summary>
/// Parent order (id, side) → row index for one symbol-day. Order ids that are dense within the
/// symbol-day (SSE OrderNo; SZSE ApplSeqNum where one symbol fills most of its channel) are
/// looked up by array index over [low, low + span): no hashing, and rows of recent orders sit
/// next to each other. When the ids turn out sparse (span above <see cref="MaxSpanPerOrder"/>
/// slots per order, e.g. SZSE ids of a symbol among many in a channel) or a buy and a sell
/// order share an id, the index moves to an open-addressing map for the rest of the day.
/// Either way a lookup gives the same row, so results never depend on the path.
/// </summary>
public sealed class OrderIndex
{
    /// <summary>Dense slots allowed per order (plus <see cref="SlackSlots"/>) before the ids count as sparse.</summary>
    public const int MaxSpanPerOrder = 8;

    private const int SlackSlots = 1 << 16;
    private const int FirstSpan = 1 << 12;

    // Dense: _dense[id − _low] = (row << 1 | sell) + 1, 0 = no order.
    private int[] _dense = new int[FirstSpan];
    private long _low;
    private bool _denseStarted;
    private readonly OrderIdMap _map = new();

    /// <summary>Orders indexed.</summary>
    public int Count { get; private set; }

    /// <summary>True once the ids turned out sparse (the hash map is in use).</summary>
    public bool IsSparse { get; private set; }

    /// <summary>Slots of the dense table in use (what a copy moves), 0 when sparse.</summary>
    public int DenseSpan => IsSparse || !_denseStarted ? 0 : _dense.Length;

    /// <summary>The row of order (<paramref name="orderId"/> &gt; 0, side); when absent, adds it with row <paramref name="newRow"/>.</summary>
    public int GetOrAdd(long orderId, bool sell, int newRow, out bool added)
    {
        if (!IsSparse)
        {
            long k = orderId - _low;
            if (_denseStarted && (ulong)k < (ulong)_dense.Length)
            {
                int v = _dense[k];
                if (v == 0)
                {
                    _dense[k] = (newRow << 1 | (sell ? 1 : 0)) + 1;
                    Count++;
                    added = true;
                    return newRow;
                }
                if (((v - 1) & 1) == (sell ? 1 : 0))
                {
                    added = false;
                    return (v - 1) >> 1;
                }
                GoSparse(); // a buy and a sell order share this id
            }
            else if (Widen(orderId)) return GetOrAdd(orderId, sell, newRow, out added);
        }
        long key = Key(orderId, sell);
        if (_map.TryGetValue(key, out int row))
        {
            added = false;
            return row;
        }
        _map.Set(key, newRow);
        Count++;
        added = true;
        return newRow;
    }

    /// <summary>Makes the dense range cover <paramref name="orderId"/>; false (and sparse from now on) when that would make it too thin.</summary>
    private bool Widen(long orderId)
    {
        if (!_denseStarted)
        {
            _low = Math.Max(1, orderId - FirstSpan / 4);
            Array.Clear(_dense);
            _denseStarted = true;
            return true;
        }
        long high = _low + _dense.Length;
        long newLow = _low, newHigh = high;
        while (orderId < newLow || orderId >= newHigh)
        {
            long span = newHigh - newLow;
            if (orderId < newLow) newLow = Math.Max(1, newLow - span);
            else newHigh += span;
        }
        long newSpan = newHigh - newLow;
        if (newSpan > (long)MaxSpanPerOrder * Count + SlackSlots)
        {
            GoSparse();
            return false;
        }
        var dense = new int[newSpan];
        _dense.CopyTo(dense, (int)(_low - newLow));
        _dense = dense;
        _low = newLow;
        return true;
    }

    private void GoSparse()
    {
        IsSparse = true;
        if (!_denseStarted) return;
        for (int k = 0; k < _dense.Length; k++)
            if (_dense[k] is var v and not 0) _map.Set(Key(_low + k, ((v - 1) & 1) == 1), (v - 1) >> 1);
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);

    /// <summary>Forgets every order (the dense table is kept for reuse).</summary>
    public void Clear()
    {
        if (_denseStarted) Array.Clear(_dense);
        _denseStarted = false;
        IsSparse = false;
        _map.Clear();
        Count = 0;
    }

    /// <summary>Makes <paramref name="other"/> an equal, independent copy (array copies only).</summary>
    public void CopyTo(OrderIndex other)
    {
        other.IsSparse = IsSparse;
        other.Count = Count;
        other._denseStarted = _denseStarted;
        other._low = _low;
        if (IsSparse)
        {
            _map.CopyTo(other._map);
            return;
        }
        other._map.Clear();
        if (other._dense.Length != _dense.Length) other._dense = new int[_dense.Length];
        _dense.CopyTo(other._dense, 0);
    }
}
