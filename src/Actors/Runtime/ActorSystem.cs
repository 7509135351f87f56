using Sig.Engine.Config;

namespace Sig.Actors.Runtime;

/// <summary>
/// Spawns and tracks named actors, sums their supervision counters and stops them in reverse
/// spawn order. A stage needs its downstream's ref when it is created, so downstream actors
/// are spawned first; stopping in reverse therefore drains each upstream stage completely
/// before its downstream is told no more messages will come, and nothing in flight is lost.
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly ActorOptions _options;
    private readonly SupervisionOptions _supervision;
    private readonly Action<ActorFailure>? _onFailure;
    private readonly List<IActorRef> _actors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates a system with the configuration's mailbox and snapshot settings.</summary>
    /// <param name="options">Mailbox capacity and snapshot interval (<c>actors</c> in engine.json); defaults when null.</param>
    /// <param name="supervision">Restart and poison limits for actors that do not bring their own.</param>
    /// <param name="onFailure">Receives every supervision event (the log); called on the failing actor's task.</param>
    public ActorSystem(ActorOptions? options = null, SupervisionOptions? supervision = null, Action<ActorFailure>? onFailure = null)
    {
        _options = options ?? new ActorOptions();
        _supervision = supervision ?? new SupervisionOptions();
        _onFailure = onFailure;
    }

    /// <summary>The actors in spawn order.</summary>
    public IReadOnlyList<IActorRef> Actors
    {
        get { lock (_gate) return [.. _actors]; }
    }

    /// <summary>Behavior exceptions across all actors.</summary>
    public long Failures => Actors.Sum(a => a.Failures);
    /// <summary>Restarts across all actors.</summary>
    public long Restarts => Actors.Sum(a => a.Restarts);
    /// <summary>Poison messages dropped across all actors.</summary>
    public long PoisonMessages => Actors.Sum(a => a.PoisonMessages);

    /// <summary>
    /// Starts an actor. <paramref name="behaviorFactory"/> is called once at start and again on
    /// every restart, so it must return a new instance each time.
    /// </summary>
    public ActorRef<TMessage> Spawn<TMessage>(string name, Func<IActorBehavior<TMessage>> behaviorFactory,
        int? mailboxCapacity = null, SupervisionOptions? supervision = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_gate)
        {
            if (!_names.Add(name)) throw new ArgumentException($"an actor named '{name}' already exists", nameof(name));
            var actor = new ActorRef<TMessage>(name, behaviorFactory, mailboxCapacity ?? _options.MailboxCapacity,
                _options.SnapshotEveryMinutes, supervision ?? _supervision, _onFailure);
            _actors.Add(actor);
            return actor;
        }
    }

    /// <summary>
    /// Completes every actor in reverse spawn order (upstream first), waiting for each to drain
    /// before completing the next. Actors that faulted do not stop the others; their exceptions
    /// are thrown together at the end.
    /// </summary>
    public async Task StopAsync()
    {
        var faults = new List<Exception>();
        foreach (var actor in Actors.Reverse())
        {
            actor.Complete();
            try
            {
                await actor.Completion.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                faults.Add(ex);
            }
        }
        if (faults.Count > 0) throw new AggregateException("actors stopped with failures", faults);
    }

    /// <summary>Stops all actors; faults stay observable on each actor's <see cref="IActorRef.Completion"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (AggregateException)
        {
            // Disposal must not throw; callers that care call StopAsync or inspect Completion.
        }
    }
}
