namespace Sig.Engine.Memory;

/// <summary>
/// What the engine's array pools share (<c>TickBatchPool</c>: fixed-length event batches;
/// <c>MinuteBufferPool</c>: per-minute arrays of exactly the length asked for): a free list of
/// arrays given back, and counters of arrays rented, returned and allocated. A derived pool
/// states its array rules (which lengths it hands out and takes back) and calls
/// <see cref="RentArray"/> and <see cref="ReturnArray"/>. New arrays are uninitialized (a renter
/// writes before it reads) and, being kept for the whole run, outside the young generation
/// (<see cref="LongLivedArrays"/>).
/// Thread-safe.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class ArrayRecycler<T>
{
    private readonly Stack<T[]> _free = new();
    private readonly Lock _lock = new();
    private readonly int _maxFree;
    private readonly bool _refuseDoubleReturn;
    private long _rented, _returned, _allocated;

    /// <param name="maxFree">Arrays kept for reuse at most (more returned are left to the collector).</param>
    /// <param name="refuseDoubleReturn">
    /// Check every returned array against the free list and throw when it is already there (for a
    /// pool whose free list stays short; one whose holders guard their own release skips the scan).
    /// </param>
    protected ArrayRecycler(int maxFree, bool refuseDoubleReturn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFree, 1);
        (_maxFree, _refuseDoubleReturn) = (maxFree, refuseDoubleReturn);
    }

    /// <summary>Arrays handed out so far (reused or new).</summary>
    public long Rented => Interlocked.Read(ref _rented);

    /// <summary>Arrays given back so far.</summary>
    public long Returned => Interlocked.Read(ref _returned);

    /// <summary>Arrays allocated so far (the rest of <see cref="Rented"/> were reused).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>
    /// A free array of exactly <paramref name="length"/> elements, or a new one; free arrays of
    /// another length met on the way are dropped (left from before a change of length).
    /// </summary>
    protected T[] RentArray(int length)
    {
        Interlocked.Increment(ref _rented);
        lock (_lock)
        {
            while (_free.TryPop(out var reused))
                if (reused.Length == length) return reused;
        }
        Interlocked.Increment(ref _allocated);
        return LongLivedArrays.NewUninitializedWherePossible<T>(length); // kept and reused for the whole run
    }

    /// <summary>Takes back an array nothing reads any more (the derived pool has checked its length).</summary>
    /// <exception cref="InvalidOperationException">With double returns refused: the array is already free.</exception>
    protected void ReturnArray(T[] array)
    {
        lock (_lock)
        {
            if (_refuseDoubleReturn)
                foreach (var free in _free)
                    if (ReferenceEquals(free, array)) throw new InvalidOperationException($"a pooled array was returned twice ({GetType().Name})");
            Interlocked.Increment(ref _returned);
            if (_free.Count < _maxFree) _free.Push(array);
        }
    }
}
