namespace Sig.Factors.Intraday;

/// <summary>
/// Open-addressing map from a positive 64-bit key to an int (linear probing, power-of-two
/// capacity, load ≤ ½). Two flat arrays and no per-entry objects, so a copy is two array copies
/// and a lookup hashes with one multiply; 0 is the empty-slot marker, so keys must be positive.
/// A new key only ever fills an empty slot, value first and key last, so a <see cref="View"/>
/// that reads the same arrays while another adds to them finds every key it found before and
/// never a key without its value.
/// </summary>
public sealed partial class OrderIdMap
{
    private long[] _keys;
    private int[] _values;
    private int _shift;

    /// <summary>An empty map with room for <paramref name="capacity"/> keys before it grows.</summary>
    public OrderIdMap(int capacity = 64)
    {
        int c = CapacityFor(capacity);
        _keys = new long[c];
        _values = new int[c];
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)c);
    }

    private OrderIdMap(long[] keys, int[] values, int shift, int count)
    {
        _keys = keys;
        _values = values;
        _shift = shift;
        Count = count;
    }

    /// <summary>Keys held.</summary>
    public int Count { get; private set; }

    /// <summary>Slots (twice the keys it holds before it grows).</summary>
    public int Capacity => _keys.Length;

    private static int CapacityFor(int keys)
    {
        int c = 16;
        while (c < keys * 2) c <<= 1;
        return c;
    }

    private int Slot(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

    public bool TryGetValue(long key, out int value)
    {
        int mask = _keys.Length - 1;
        for (int i = Slot(key); ; i = (i + 1) & mask)
        {
            long k = Volatile.Read(ref _keys[i]); // the key is stored after its value
            if (k == key) { value = _values[i]; return true; }
            if (k == 0) { value = 0; return false; }
        }
    }

    /// <summary>Adds or replaces the value of <paramref name="key"/> (&gt; 0).</summary>
    public void Set(long key, int value)
    {
        if (key <= 0) throw new ArgumentOutOfRangeException(nameof(key), key, "keys must be positive");
        int mask = _keys.Length - 1;
        for (int i = Slot(key); ; i = (i + 1) & mask)
        {
            long k = _keys[i];
            if (k == key) { _values[i] = value; return; }
            if (k != 0) continue;
            Fill(i, key, value);
            return;
        }
    }

    /// <summary>Adds <paramref name="key"/> (&gt; 0), which the map must not hold: fills an empty slot and nothing else.</summary>
    public void Add(long key, int value)
    {
        if (key <= 0) throw new ArgumentOutOfRangeException(nameof(key), key, "keys must be positive");
        int mask = _keys.Length - 1;
        int i = Slot(key);
        while (_keys[i] != 0)
        {
            if (_keys[i] == key) throw new ArgumentException($"key {key} is already in the map", nameof(key));
            i = (i + 1) & mask;
        }
        Fill(i, key, value);
    }

    private void Fill(int i, long key, int value)
    {
        _values[i] = value;
        Volatile.Write(ref _keys[i], key); // a view reading concurrently sees the key only with its value
        if (++Count * 2 > _keys.Length) Grow();
    }

    // New arrays: a view of the old ones keeps them as they were.
    private void Grow()
    {
        long[] keys = _keys;
        int[] values = _values;
        _keys = new long[keys.Length * 2];
        _values = new int[keys.Length * 2];
        _shift--;
        Count = 0;
        for (int i = 0; i < keys.Length; i++) if (keys[i] != 0) Set(keys[i], values[i]);
    }

    public void Clear()
    {
        if (Count == 0) return;
        Array.Clear(_keys);
        Count = 0;
    }

    /// <summary>Makes <paramref name="other"/> an equal, independent copy (array copies only).</summary>
    public void CopyTo(OrderIdMap other)
    {
        if (other._keys.Length != _keys.Length)
        {
            other._keys = new long[_keys.Length];
            other._values = new int[_values.Length];
        }
        _keys.CopyTo(other._keys, 0);
        _values.CopyTo(other._values, 0);
        other._shift = _shift;
        other.Count = Count;
    }

    /// <summary>An equal, independent copy (two array copies).</summary>
    public OrderIdMap Clone() => new((long[])_keys.Clone(), (int[])_values.Clone(), _shift, Count);

    /// <summary>
    /// A map over the same arrays: whoever adds to either (<see cref="Add"/> only, never
    /// <see cref="Set"/> on a held key or <see cref="Clear"/>) adds to both, until one of them grows.
    /// </summary>
    public OrderIdMap View() => new(_keys, _values, _shift, Count);

    /// <summary>An independent map of the entries whose value is below <paramref name="limit"/>, with room for <paramref name="capacity"/> keys.</summary>
    public OrderIdMap CopyBelow(int limit, int capacity)
    {
        var c = new OrderIdMap(capacity);
        for (int i = 0; i < _keys.Length; i++)
        {
            long k = Volatile.Read(ref _keys[i]);
            if (k != 0 && _values[i] < limit) c.Add(k, _values[i]);
        }
        return c;
    }
}
