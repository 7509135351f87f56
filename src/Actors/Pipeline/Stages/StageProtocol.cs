using Akka.Actor;

namespace Sig.Actors.Pipeline;

/// <summary>
/// A stage's state that survives an Akka restart: what it needs to restore (snapshot and the
/// messages since), the message being handled, its links downstream (credits in flight) and
/// the acknowledgements it owes upstream. Akka replaces the actor instance on a restart; the
/// pipeline creates one of these per stage and hands it to every instance.
/// </summary>
internal sealed class StageMemory(string name, SupervisionOptions supervision, int snapshotEveryMinutes, Action<ActorFailure>? log, int upstreams)
{
    public string Name { get; } = name;
    public SupervisionOptions Supervision { get; } = supervision;
    public int SnapshotEveryMinutes { get; } = snapshotEveryMinutes;
    /// <summary>End-of-stream markers to wait for before passing one on (the batcher has one upstream per shard).</summary>
    public int Upstreams { get; } = upstreams;

    // Counters, read by SupervisionCounters from other threads.
    public long Failures, Restarts, Poison, Processed;

    /// <summary>Messages received (data only), numbering each for the log and the restart window.</summary>
    public long Received { get; set; }
    public object? Snapshot { get; set; }
    public List<LoggedMessage> SinceSnapshot { get; } = [];
    /// <summary>The message being handled (until it succeeds or is dropped as poison), retried after a restart.</summary>
    public PendingMessage? Current { get; set; }
    public Exception? LastException { get; set; }
    public List<Outbox> Outboxes { get; } = [];
    public List<IActorRef> DeferredAcks { get; } = [];
    public int EndsSeen { get; set; }
    /// <summary>Why the supervisor stopped the stage, for the run's fault.</summary>
    public string? StopReason { get; set; }
    /// <summary>The source's failure, when this stage is fed by the source stream.</summary>
    public Exception? SourceError { get; set; }

    private readonly Queue<long> _recentRestarts = new();

    public void Report(ActorFailureKind kind, long number, object? message, Exception? exception, bool replaying) =>
        log?.Invoke(new ActorFailure(Name, kind, number, Describe(message), exception, replaying));

    /// <summary>Counts a restart caused by message <paramref name="causedBy"/>; false when that exceeds the limit within the window.</summary>
    public bool AllowRestart(long causedBy)
    {
        _recentRestarts.Enqueue(causedBy);
        while (_recentRestarts.Peek() <= causedBy - Supervision.RestartWindowMessages) _recentRestarts.Dequeue();
        if (_recentRestarts.Count <= Supervision.MaxRestarts) return true;
        StopReason = $"stopped after {_recentRestarts.Count} restarts within {Supervision.RestartWindowMessages} messages";
        return false;
    }

    public bool Blocked
    {
        get
        {
            foreach (var o in Outboxes) if (o.Blocked) return true;
            return false;
        }
    }

    private static string Describe(object? message) => message switch
    {
        null => "null",
        Array batch => $"{batch.GetType().GetElementType()!.Name}[{batch.Length}]",
        Sig.Engine.Events.MarketInput input => $"{input.Kind}[{input.EventCount}]",
        SourceBatch batch => $"SourceBatch[{batch.Inputs.Count}]",
        _ => message.GetType().Name,
    };
}

/// <summary>A message handled since the last snapshot, replayed after a restart.</summary>
internal sealed class LoggedMessage(long number, object message)
{
    public long Number { get; } = number;
    public object Message { get; } = message;
    public int ReplayFailures { get; set; }
}

/// <summary>The message in hand: its number, who to acknowledge, how often it failed.</summary>
internal sealed class PendingMessage(long number, object message, IActorRef sender)
{
    public long Number { get; } = number;
    public object Message { get; } = message;
    public IActorRef Sender { get; } = sender;
    public int Attempts { get; set; }
}

/// <summary>
/// One link downstream with a window of <c>capacity</c> unacknowledged messages: the bounded
/// mailbox of the design. Past the window, messages wait here and the stage withholds its own
/// acknowledgements upstream, so a slow stage holds back every stage before it and, at the
/// head, the source stream.
/// </summary>
internal sealed class Outbox(IActorRef target, int capacity)
{
    private readonly Queue<object> _waiting = new();
    private int _inFlight;

    public IActorRef Target { get; } = target;

    /// <summary>Messages are waiting for credit: the downstream's window is full.</summary>
    public bool Blocked => _waiting.Count > 0;

    public void Send(object message, IActorRef self)
    {
        if (_inFlight < capacity && _waiting.Count == 0)
        {
            _inFlight++;
            Target.Tell(message, self);
        }
        else _waiting.Enqueue(message);
    }

    public void OnAck(IActorRef self)
    {
        _inFlight--;
        while (_inFlight < capacity && _waiting.TryDequeue(out var next))
        {
            _inFlight++;
            Target.Tell(next, self);
        }
    }
}

/// <summary>Downstream → upstream: one message taken (also the source stream's acknowledgement).</summary>
internal sealed class StageAck
{
    public static readonly StageAck Instance = new();
    private StageAck() { }
}

/// <summary>Upstream → downstream, after its last message: nothing more will come.</summary>
internal sealed class EndOfStream
{
    public static readonly EndOfStream Instance = new();
    private EndOfStream() { }
}

/// <summary>The source stream's first message to the stage it feeds (acknowledged before the first input).</summary>
internal sealed class StreamStarted
{
    public static readonly StreamStarted Instance = new();
    private StreamStarted() { }
}

/// <summary>The source stream has ended.</summary>
internal sealed class StreamCompleted
{
    public static readonly StreamCompleted Instance = new();
    private StreamCompleted() { }
}

/// <summary>The source stream failed.</summary>
internal sealed record StreamFailed(Exception Cause);

/// <summary>A message that failed, put back at the head of the mailbox after the restart.</summary>
internal sealed record RetryMessage(long Number, object Message);

/// <summary>A stage's failure as it travels to the supervisor: which stage, which message.</summary>
internal sealed class StageFailureException(StageMemory stage, long number, Exception inner)
    : Exception($"stage {stage.Name} failed on message #{number}: {inner.Message}", inner)
{
    public StageMemory Stage { get; } = stage;
    public long Number { get; } = number;
}
