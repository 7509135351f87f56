namespace Sig.Actors.Runtime;

/// <summary>
/// How an actor reacts to failures. Windows are counted in messages, not seconds: the
/// runtime never reads the wall clock, so a replay supervises exactly like the live run.
/// </summary>
public sealed record SupervisionOptions
{
    /// <summary>Restarts allowed within <see cref="RestartWindowMessages"/> messages; one more stops the actor and faults its completion.</summary>
    public int MaxRestarts { get; init; } = 10;

    /// <summary>The window, in received messages, over which restarts are counted.</summary>
    public int RestartWindowMessages { get; init; } = 1000;

    /// <summary>Times one message may fail (live or on replay) before it is dropped as poison.</summary>
    public int PoisonAttempts { get; init; } = 3;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRestarts);
        ArgumentOutOfRangeException.ThrowIfLessThan(RestartWindowMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(PoisonAttempts, 1);
    }
}

/// <summary>What happened in an <see cref="ActorFailure"/>.</summary>
public enum ActorFailureKind
{
    /// <summary>The behavior threw while handling a message; the actor restarts.</summary>
    HandlerFailed,
    /// <summary>A message failed <see cref="SupervisionOptions.PoisonAttempts"/> times and was dropped.</summary>
    PoisonDropped,
    /// <summary>Restarts exceeded the limit; the actor stopped and its completion faulted.</summary>
    Stopped,
}

/// <summary>One supervision event, reported to the system's failure callback (the actors' log).</summary>
/// <param name="ActorName">The actor.</param>
/// <param name="Kind">What happened.</param>
/// <param name="MessageNumber">1-based arrival number of the message concerned.</param>
/// <param name="Message">A short description of the message (type and batch length).</param>
/// <param name="Exception">The behavior's exception (the last one, for poison and stop).</param>
/// <param name="DuringReplay">True when the failure happened while replaying after a restart.</param>
public sealed record ActorFailure(string ActorName, ActorFailureKind Kind, long MessageNumber, string Message, Exception? Exception, bool DuringReplay)
{
    /// <summary>One log line.</summary>
    public override string ToString() =>
        $"actor {ActorName}: {Kind} on message #{MessageNumber} ({Message}){(DuringReplay ? " during replay" : "")}: {Exception?.Message}";
}

/// <summary>The fault of an actor that exceeded its restart limit (or whose runtime hooks failed).</summary>
public sealed class ActorFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="actorName"/>.</summary>
    public ActorFailedException(string actorName, string message, Exception? innerException)
        : base($"actor {actorName}: {message}", innerException) => ActorName = actorName;

    /// <summary>The actor that stopped.</summary>
    public string ActorName { get; }
}
