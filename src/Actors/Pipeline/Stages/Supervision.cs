namespace Sig.Actors.Pipeline;

/// <summary>
/// How the pipeline's supervisor reacts to a stage's failures. Windows are counted in messages,
/// not seconds (Akka's own restart window is wall-clock time): a replay then supervises exactly
/// like the live run, and whether a stage is stopped never depends on machine speed.
/// </summary>
public sealed record SupervisionOptions
{
    /// <summary>Restarts allowed within <see cref="RestartWindowMessages"/> messages; one more stops the stage and fails the run.</summary>
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
    /// <summary>The stage threw while handling a message; the supervisor restarts it.</summary>
    HandlerFailed,
    /// <summary>A message failed <see cref="SupervisionOptions.PoisonAttempts"/> times and was dropped.</summary>
    PoisonDropped,
    /// <summary>Restarts exceeded the limit; the supervisor stopped the stage and the run fails.</summary>
    Stopped,
}

/// <summary>One supervision event, reported to the pipeline's failure callback (the actors' log).</summary>
/// <param name="ActorName">The stage (actor name).</param>
/// <param name="Kind">What happened.</param>
/// <param name="MessageNumber">1-based arrival number of the message concerned.</param>
/// <param name="Message">A short description of the message (type and batch length).</param>
/// <param name="Exception">The stage's exception (the last one, for poison and stop).</param>
/// <param name="DuringReplay">True when the failure happened while replaying after a restart.</param>
public sealed record ActorFailure(string ActorName, ActorFailureKind Kind, long MessageNumber, string Message, Exception? Exception, bool DuringReplay)
{
    /// <summary>One log line.</summary>
    public override string ToString() =>
        $"actor {ActorName}: {Kind} on message #{MessageNumber} ({Message}){(DuringReplay ? " during replay" : "")}: {Exception?.Message}";
}

/// <summary>The fault of a run whose stage exceeded its restart limit.</summary>
public sealed class ActorFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="actorName"/>.</summary>
    public ActorFailedException(string actorName, string message, Exception? innerException)
        : base($"actor {actorName}: {message}", innerException) => ActorName = actorName;

    /// <summary>The stage that stopped.</summary>
    public string ActorName { get; }
}

/// <summary>Supervision counters of a set of stages (status lines and tests read them).</summary>
public sealed class SupervisionCounters
{
    private readonly IReadOnlyList<StageMemory> _stages;

    internal SupervisionCounters(IReadOnlyList<StageMemory> stages) => _stages = stages;

    /// <summary>The stage names in creation order (downstream first).</summary>
    public IReadOnlyList<string> Names => [.. _stages.Select(s => s.Name)];

    /// <summary>Stage exceptions, live and during replay.</summary>
    public long Failures => _stages.Sum(s => Interlocked.Read(ref s.Failures));

    /// <summary>Restarts the supervisor ordered.</summary>
    public long Restarts => _stages.Sum(s => Interlocked.Read(ref s.Restarts));

    /// <summary>Messages dropped as poison.</summary>
    public long PoisonMessages => _stages.Sum(s => Interlocked.Read(ref s.Poison));

    /// <summary>Messages handled successfully (replays not counted).</summary>
    public long Processed => _stages.Sum(s => Interlocked.Read(ref s.Processed));

    /// <summary>One stage's counters.</summary>
    public (long Processed, long Failures, long Restarts, long Poison) Of(string name)
    {
        var s = _stages.Single(m => m.Name == name);
        return (Interlocked.Read(ref s.Processed), Interlocked.Read(ref s.Failures), Interlocked.Read(ref s.Restarts), Interlocked.Read(ref s.Poison));
    }
}
