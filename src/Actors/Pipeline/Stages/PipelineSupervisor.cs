using Akka.Actor;

namespace Sig.Actors.Pipeline;

/// <summary>Creates a pipeline's stages as children of the supervisor, downstream first, and returns the entry stage.</summary>
internal delegate IActorRef StageBuilder(IUntypedActorContext context);

/// <summary>
/// The parent of a pipeline's stages. Its Akka supervision strategy (one-for-one) restarts a
/// failing stage, which then restores its snapshot and replays (see
/// <see cref="PipelineStage{TMessage}"/>), unless the stage exceeded its restart limit: then it
/// stops the stage and the run fails with <see cref="ActorFailedException"/>. The run succeeds
/// when the last stage (the one without a downstream) has handled its end of stream.
/// </summary>
internal sealed class PipelineSupervisor(StageBuilder build, TaskCompletionSource completion) : UntypedActor
{
    private IActorRef _entry = ActorRefs.Nobody;

    /// <summary>Asks the supervisor for the entry stage (the one the source stream feeds).</summary>
    public sealed class GetEntry
    {
        public static readonly GetEntry Instance = new();
        private GetEntry() { }
    }

    protected override void PreStart()
    {
        _entry = build(Context);
        foreach (var child in Context.GetChildren()) Context.Watch(child);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case GetEntry:
                Sender.Tell(_entry);
                break;
            case StageCompleted:
                completion.TrySetResult();
                break;
            case Terminated terminated:
                string name = terminated.ActorRef.Path.Name;
                completion.TrySetException(new ActorFailedException(name, _stopReasons.GetValueOrDefault(name) ?? "stopped", _lastExceptions.GetValueOrDefault(name)));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private readonly Dictionary<string, string> _stopReasons = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Exception?> _lastExceptions = new(StringComparer.Ordinal);

    protected override SupervisorStrategy SupervisorStrategy() =>
        // Unlimited at Akka's level: the limit is counted in messages by the stage (see SupervisionOptions).
        new OneForOneStrategy(maxNrOfRetries: -1, withinTimeMilliseconds: -1, Decide, loggingEnabled: false);

    private Directive Decide(Exception exception)
    {
        var failure = Find(exception);
        if (failure is null) return Directive.Stop; // not a stage's failure (an Akka fault): nothing to restore from
        var stage = failure.Stage;
        if (stage.AllowRestart(failure.Number))
        {
            Interlocked.Increment(ref stage.Restarts);
            return Directive.Restart;
        }
        stage.Report(ActorFailureKind.Stopped, failure.Number, null, stage.LastException, replaying: false);
        _stopReasons[stage.Name] = stage.StopReason!;
        _lastExceptions[stage.Name] = stage.LastException;
        return Directive.Stop;
    }

    // Akka wraps failures of a restart (ActorInitializationException) and of tasks; the stage's own is inside.
    private static StageFailureException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is StageFailureException failure) return failure;
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) return Find(aggregate.InnerExceptions[0]);
        }
        return null;
    }
}

/// <summary>Creates stage instances from a factory (Akka calls it on start and on every restart).</summary>
internal sealed class StageProducer(Type type, Func<ActorBase> create) : IIndirectActorProducer
{
    public Type ActorType { get; } = type;

    public ActorBase Produce() => create();

    public void Release(ActorBase actor) { }

    public static Props Props<T>(Func<T> create) where T : ActorBase => Akka.Actor.Props.CreateBy(new StageProducer(typeof(T), create));
}
