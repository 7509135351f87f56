using Sig.Actors.Pipeline;

namespace Sig.Actors.Live;

/// <summary>
/// The latest published minute, held for the snapshot query (<c>factors.query.snapshot</c>),
/// which answers from it at any time on its own thread while the pipeline reuses every other
/// minute's pooled rows and payloads. <see cref="Hold"/> (the session's observer, called while the
/// publisher still holds the minute) takes a lease on the new minute and lets go of the previous
/// one; <see cref="Lease"/> (the query) takes a lease of its own on whatever is latest, so the
/// minute it answers from cannot go back to the pools before the answer is made, however many
/// minutes are published meanwhile. Nothing is copied per minute: a query copies what it answers.
/// Memory stays bounded: the pools lack one minute for the holder and one per answer in progress.
/// Thread-safe.
/// </summary>
public sealed class LatestMinute : IDisposable
{
    private readonly Lock _lock = new();
    private MinuteLease? _held;

    /// <summary>
    /// <paramref name="output"/> is the latest minute from now on (called by an observer or sink
    /// of the pipeline, during its call, so the minute's buffers are still the publisher's).
    /// </summary>
    /// <exception cref="InvalidOperationException">The minute's buffers were already returned (called after the observer call).</exception>
    public void Hold(MinuteOutput output)
    {
        var lease = output.TryLease() ?? throw new InvalidOperationException(
            $"minute {output.Snapshot.Minute}: its buffers were already returned (hold a minute during the observer's call)");
        MinuteLease? previous;
        lock (_lock) (previous, _held) = (_held, lease);
        previous?.Dispose();
    }

    /// <summary>
    /// A lease on the latest minute (null before the first): its rows and payloads stay that
    /// minute's until the lease is disposed. Dispose it as soon as the answer is made.
    /// </summary>
    public MinuteLease? Lease()
    {
        lock (_lock)
        {
            // Under the lock the held lease still holds the minute, so a second hold cannot fail.
            if (_held is null) return null;
            return _held.Output.TryLease() ?? throw new InvalidOperationException("the held minute was returned while held");
        }
    }

    /// <summary>Lets go of the latest minute (the session is over); leases handed out stay valid until disposed.</summary>
    public void Dispose()
    {
        MinuteLease? held;
        lock (_lock) (held, _held) = (_held, null);
        held?.Dispose();
    }
}
