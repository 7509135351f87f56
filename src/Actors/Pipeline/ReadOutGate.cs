namespace Sig.Actors.Pipeline;

/// <summary>
/// Holds the clocks of a day read symbol by symbol (<see cref="Sig.Engine.Events.MarketInput.BySymbol"/>)
/// with every minute emitted until the minutes before them are published: there the 240 clocks come
/// in one burst after the day's events, and each clock's read-out is far quicker than the batcher's
/// join and the sinks, so without a bound every minute's rows and payload text would be in flight
/// at once (≈ 1 GiB at 5,000 symbols — fresh pages the kernel zeroes, and cache they evict).
/// Clock m waits until minute m − <see cref="MinutesAhead"/> of its date is published.
/// </summary>
/// <remarks>
/// Only scheduling depends on it: the inputs, their order and so every output are the same with
/// or without the gate. A minute never published (a stage stopped for good) holds a clock for at
/// most the wait bound, never for ever.
/// </remarks>
public sealed class ReadOutGate
{
    /// <summary>Minutes a clock may run ahead of the last published one.</summary>
    public const int MinutesAhead = 8;

    private readonly object _lock = new();
    private long _published = long.MinValue;
    private long _awaited = long.MaxValue;
    private TaskCompletionSource? _open;

    /// <summary>Times the source waited (benchmarks).</summary>
    public int Waits { get; private set; }

    /// <summary>Minute <paramref name="minute"/> of <paramref name="date"/> is published (the sinks and observers have it).</summary>
    public void Published(DateOnly date, int minute)
    {
        long key = Key(date, minute);
        TaskCompletionSource? release = null;
        lock (_lock)
        {
            if (key > _published) _published = key;
            if (_open is not null && _published >= _awaited) (release, _open, _awaited) = (_open, null, long.MaxValue);
        }
        release?.TrySetResult(); // continuations run on the pool, not on the publisher's thread
    }

    /// <summary>
    /// Completes once minute <paramref name="closing"/> − <see cref="MinutesAhead"/> of
    /// <paramref name="date"/> is published, or after <paramref name="bound"/> (wall-clock ok: it
    /// bounds a wait; no output depends on it).
    /// </summary>
    public async ValueTask WaitAsync(DateOnly date, int closing, TimeSpan bound, CancellationToken cancellationToken)
    {
        if (closing <= MinutesAhead) return;
        long key = Key(date, closing - MinutesAhead);
        Task open;
        lock (_lock)
        {
            if (_published >= key) return;
            _open ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _awaited = Math.Min(_awaited, key);
            open = _open.Task;
            Waits++;
        }
        await Task.WhenAny(open, Task.Delay(bound, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static long Key(DateOnly date, int minute) => (long)date.DayNumber * 1000 + minute;
}
