using Sig.Engine.Memory;

namespace Sig.Factors.Output;

/// <summary>
/// Large per-minute arrays (a shard's rows of a minute, the batcher's joined rows, a payload's
/// bytes) reused once the last reader of the minute is done with them, instead of a fresh
/// large-object array every minute (fresh pages to fault in and, for a zeroed array, to clear).
/// Every array handed out has exactly the length asked for, so a holder can use its
/// <c>Length</c> as before; an array of another length given back (the universe changed) is
/// dropped when met. Ownership is the renter's and whoever it hands the array to: exactly one
/// of them returns it, once (returning an array that is already free throws, so a double return
/// shows as a failure and never as two minutes sharing one buffer). An array never returned is
/// collected. Thread-safe: the shards rent on their threads, the publisher returns on its own.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class MinuteBufferPool<T> : ArrayRecycler<T>
{
    // The free list holds the arrays in flight at the worst moment, a few, so refusing a double return is a cheap scan.
    /// <param name="maxFree">Arrays kept for reuse at most (more returned are left to the collector).</param>
    public MinuteBufferPool(int maxFree = 64) : base(maxFree, refuseDoubleReturn: true) => MaxFree = maxFree;

    /// <summary>Arrays kept for reuse at most.</summary>
    public int MaxFree { get; }

    /// <summary>An array of exactly <paramref name="length"/> elements; its contents are whatever its last user left (the renter writes before reading).</summary>
    public T[] Rent(int length) => RentArray(length);

    /// <summary>
    /// Leaves at least <paramref name="count"/> arrays of <paramref name="length"/> elements free and
    /// written once, so the minutes that rent them first do not take the page faults of memory never
    /// touched (on the virtual machines measured, ≈ 4 ms per 2 MiB huge page, inside the minute step).
    /// Called where a day starts, outside the steps; arrays already free are reused and only cleared.
    /// </summary>
    public void Warm(int count, int length)
    {
        var taken = new T[count][];
        for (int k = 0; k < count; k++) Array.Clear(taken[k] = RentArray(length));
        foreach (var array in taken) ReturnArray(array);
    }

    /// <summary>Takes back an array nothing reads any more.</summary>
    /// <exception cref="InvalidOperationException">The array is already free (returned twice).</exception>
    public void Return(T[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        ReturnArray(array);
    }
}
