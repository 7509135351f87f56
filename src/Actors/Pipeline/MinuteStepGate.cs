namespace Sig.Actors.Pipeline;

/// <summary>
/// Holds the source's next read until every shard has handled the last clock the source sent, so a
/// minute step does not share the cores with the ingest of the next minute. On the 2-core box the
/// steps that took ≥ 10 ms of wall spent 2.4–6.8 ms of it on the CPU and the rest waiting for a core
/// that the source, the router and the other shard's apply held (docs/factor-core-rounds.md,
/// "Fifteenth round: the minute step's core"). With the source held after a clock, what is left to
/// run is the shards' own queued events and then their steps: one thread a shard.
/// </summary>
/// <remarks>
/// Only scheduling depends on it: the inputs, their order and so every output are the same with
/// or without the gate. Clocks are compared by (date, time), and a shard's handled clock only
/// moves forward, so a shard that replays kept messages after a restart (handling older clocks
/// again) cannot close the gate; a clock a shard never handles (dropped as poison, a stage
/// stopped for good) holds the source for at most the wait bound, never for ever.
/// </remarks>
public sealed class MinuteStepGate
{
    private readonly long[] _handled;
    private readonly object _lock = new();
    private long _issued = long.MinValue;
    private TaskCompletionSource? _open;

    /// <param name="shards">Shards that report the clocks they handled.</param>
    public MinuteStepGate(int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        _handled = new long[shards];
        Array.Fill(_handled, long.MinValue);
    }

    /// <summary>Times the source waited for the gate (benchmarks).</summary>
    public int Waits { get; private set; }

    /// <summary>Of <see cref="Waits"/>, the ones that ended by the bound rather than by the shards.</summary>
    public int TimedOut { get; private set; }

    /// <summary>Milliseconds the source spent waiting, all waits (benchmarks).</summary>
    public double WaitedMillis { get; private set; }

    /// <summary>True when every shard has handled the latest clock the source sent.</summary>
    public bool IsOpen
    {
        get { lock (_lock) return OpenLocked(); }
    }

    /// <summary>The source is sending a clock of <paramref name="date"/> at exchange time <paramref name="time"/> (HHMMSSmmm).</summary>
    public void Sent(DateOnly date, int time)
    {
        long key = Key(date, time);
        lock (_lock) if (key > _issued) _issued = key;
    }

    /// <summary>Shard <paramref name="shard"/> has handled (applied everything before, and stepped) that clock.</summary>
    public void Handled(int shard, DateOnly date, int time)
    {
        long key = Key(date, time);
        TaskCompletionSource? release = null;
        lock (_lock)
        {
            if (key > _handled[shard]) _handled[shard] = key;
            if (_open is not null && OpenLocked()) (release, _open) = (_open, null);
        }
        release?.TrySetResult(); // continuations run on the pool, not on this shard's thread
    }

    /// <summary>
    /// Completes once every shard has handled the latest clock sent, or after <paramref name="bound"/>
    /// (wall-clock ok: it bounds a wait; no output depends on it).
    /// </summary>
    public async ValueTask WaitAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        Task open;
        lock (_lock)
        {
            if (OpenLocked()) return;
            _open ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open = _open.Task;
            Waits++;
        }
        long started = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
        var first = await Task.WhenAny(open, Task.Delay(bound, cancellationToken)).ConfigureAwait(false);
        double waited = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds; // wall-clock ok: benchmark timing only
        lock (_lock)
        {
            WaitedMillis += waited;
            if (first != open) TimedOut++;
        }
    }

    private bool OpenLocked()
    {
        foreach (long h in _handled)
            if (h < _issued) return false;
        return true;
    }

    // Exchange time is HHMMSSmmm (< 10⁹), so one long orders (date, time).
    private static long Key(DateOnly date, int time) => date.DayNumber * 1_000_000_000L + time;
}
