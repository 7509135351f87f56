namespace Sig.Actors.Runtime;

/// <summary>
/// What an actor does with each message. The runtime calls <see cref="HandleAsync"/> for one
/// message at a time, in mailbox order, never concurrently, so a behavior needs no locks.
/// <para>
/// Messages are meant to be <b>batches</b> (an array of events, a minute's watermark with its
/// cross-section, …), never one event each: per-message overhead is then amortized over the
/// batch. A message is immutable once sent: the runtime keeps it until the next snapshot so
/// it can replay it after a failure, so the sender must not reuse the array.
/// </para>
/// </summary>
/// <typeparam name="TMessage">The message type (typically an array or a record holding one).</typeparam>
public interface IActorBehavior<in TMessage>
{
    /// <summary>
    /// Handles one message. Throwing is a failure: the runtime logs it, restarts the behavior
    /// from its last snapshot, replays the messages since then and retries this one.
    /// While <see cref="ActorContext.IsReplaying"/> is true the behavior must rebuild its state
    /// only: messages it sent downstream the first time must not be sent again.
    /// </summary>
    ValueTask HandleAsync(TMessage message, ActorContext context);
}

/// <summary>
/// A behavior with state that survives a restart. Without it a restart simply starts a fresh
/// instance; with it the runtime snapshots on request and, on failure, restores and replays.
/// For deterministic behaviors the state after restore + replay equals the state had the
/// failure never happened.
/// </summary>
public interface ISnapshotable
{
    /// <summary>
    /// The complete state, as a value the behavior will not mutate afterwards (a deep copy or
    /// bytes); called between messages, never during one. It lives in memory: durability
    /// across process restarts comes from the journal, not from actor snapshots.
    /// </summary>
    object Snapshot();

    /// <summary>Replaces the state with a snapshot (restore must not mutate it: it may be restored again); null means the initial state.</summary>
    void Restore(object? snapshot);
}

/// <summary>The runtime's side of one actor, passed to every <see cref="IActorBehavior{TMessage}.HandleAsync"/> call.</summary>
public sealed class ActorContext
{
    internal ActorContext(string actorName, int snapshotEveryMinutes)
    {
        ActorName = actorName;
        SnapshotEveryMinutes = snapshotEveryMinutes;
    }

    /// <summary>The actor's name in its system.</summary>
    public string ActorName { get; }

    /// <summary>
    /// The configured snapshot interval (<c>actors.snapshotEveryMinutes</c>). Time comes from
    /// events, so the behavior decides: at a minute watermark whose minute is a multiple of
    /// this, it calls <see cref="RequestSnapshot"/>.
    /// </summary>
    public int SnapshotEveryMinutes { get; }

    /// <summary>1-based number of the message being handled, in arrival order.</summary>
    public long MessageNumber { get; internal set; }

    /// <summary>True while the runtime re-applies messages after a restart; side effects must be suppressed.</summary>
    public bool IsReplaying { get; internal set; }

    internal bool SnapshotRequested { get; set; }

    /// <summary>
    /// Asks for a snapshot once the current message has been handled successfully. The messages
    /// kept for replay are then released. Ignored during replay and for behaviors that are not
    /// <see cref="ISnapshotable"/>.
    /// </summary>
    public void RequestSnapshot() => SnapshotRequested = true;
}
