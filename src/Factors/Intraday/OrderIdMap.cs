namespace Sig.Factors.Intraday;

/// <summary>
/// Open-addressing map from a positive 64-bit key to an int (linear probing, power-of-two
/// capacity, load ≤ ½). Two flat arrays and no per-entry objects, so a copy is two array copies
/// and a lookup hashes with one multiply; 0 is the empty-slot marker, so keys must be positive.
/// </summary>
public sealed partial class OrderIdMap
{
    private long[] _keys;
    private int[] _values;
    private int _shift;

    public OrderIdMap(int capacity = 64)
    {
        int c = 16;
        while (c < capacity * 2) c <<= 1;
        _keys = new long[c];
        _values = new int[c];
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)c);
    }

    public int Count { get; private set; }

    private int Slot(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

    public bool TryGetValue(long key, out int value)
    {
        int mask = _keys.Length - 1;
        for (int i = Slot(key); ; i = (i + 1) & mask)
        {
            long k = _keys[i];
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
            _keys[i] = key;
            _values[i] = value;
            if (++Count * 2 > _keys.Length) Grow();
            return;
        }
    }

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
    public OrderIdMap Clone() => new(_keys.Length / 2)
    {
        _keys = (long[])_keys.Clone(), _values = (int[])_values.Clone(), _shift = _shift, Count = Count,
    };
}
