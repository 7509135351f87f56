using System.Threading.Channels;

namespace Sig.Actors.Runtime;

/// <summary>The type-independent view of an actor: name, lifecycle and supervision counters.</summary>
public interface IActorRef
{
    /// <summary>The actor's unique name in its system.</summary>
    string Name { get; }
    /// <summary>Completes when the mailbox is drained after <see cref="Complete"/>; faults when the actor stops on failures.</summary>
    Task Completion { get; }
    /// <summary>Messages handled successfully (replays not counted).</summary>
    long Processed { get; }
    /// <summary>Exceptions thrown by the behavior, live and during replay.</summary>
    long Failures { get; }
    /// <summary>Restarts performed.</summary>
    long Restarts { get; }
    /// <summary>Messages dropped as poison.</summary>
    long PoisonMessages { get; }
    /// <summary>Accepts no more messages; those already in the mailbox are still handled.</summary>
    void Complete();
}

/// <summary>
/// An actor: a bounded mailbox (a <see cref="Channel{T}"/>) drained by one task that hands each
/// message to the behavior, strictly in order, plus supervision. A full mailbox makes
/// <see cref="SendAsync"/> wait, which is how backpressure reaches the producer.
/// <para>
/// On a failure the behavior is replaced by a fresh instance, restored from the last snapshot
/// (<see cref="ISnapshotable"/>), the messages handled since that snapshot are replayed, and the
/// failed message is retried. A message failing <see cref="SupervisionOptions.PoisonAttempts"/>
/// times is dropped; too many restarts in the window stop the actor.
/// </para>
/// </summary>
/// <typeparam name="TMessage">The message type; a batch (see <see cref="IActorBehavior{TMessage}"/>).</typeparam>
public sealed class ActorRef<TMessage> : IActorRef
{
    private readonly Channel<TMessage> _mailbox;
    private readonly Func<IActorBehavior<TMessage>> _factory;
    private readonly SupervisionOptions _supervision;
    private readonly Action<ActorFailure>? _onFailure;
    private readonly ActorContext _context;
    // Messages handled since the last snapshot, replayed after a restart (snapshotable behaviors only).
    private readonly List<LoggedMessage> _sinceSnapshot = [];
    // Arrival numbers of the messages that caused recent restarts, for the restart window.
    private readonly Queue<long> _recentRestarts = new();
    private IActorBehavior<TMessage> _behavior = null!;
    private bool _snapshotable;
    private object? _snapshot;
    private long _received;
    private long _processed, _failures, _restarts, _poison;
    private Exception? _lastException;

    internal ActorRef(string name, Func<IActorBehavior<TMessage>> factory, int mailboxCapacity, int snapshotEveryMinutes,
        SupervisionOptions supervision, Action<ActorFailure>? onFailure)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mailboxCapacity, 1);
        supervision.Validate();
        Name = name;
        _factory = factory;
        _supervision = supervision;
        _onFailure = onFailure;
        _context = new ActorContext(name, snapshotEveryMinutes);
        _mailbox = Channel.CreateBounded<TMessage>(new BoundedChannelOptions(mailboxCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        Completion = Task.Run(RunAsync);
    }

    public string Name { get; }
    public Task Completion { get; }
    public long Processed => Interlocked.Read(ref _processed);
    public long Failures => Interlocked.Read(ref _failures);
    public long Restarts => Interlocked.Read(ref _restarts);
    public long PoisonMessages => Interlocked.Read(ref _poison);

    /// <summary>Sends a message, waiting while the mailbox is full. Throws <see cref="ChannelClosedException"/> once the actor is completed or stopped.</summary>
    public ValueTask SendAsync(TMessage message, CancellationToken cancellationToken = default) =>
        _mailbox.Writer.WriteAsync(message, cancellationToken);

    /// <summary>Sends without waiting; false when the mailbox is full or closed.</summary>
    public bool TrySend(TMessage message) => _mailbox.Writer.TryWrite(message);

    public void Complete() => _mailbox.Writer.TryComplete();

    private async Task RunAsync()
    {
        try
        {
            _behavior = _factory();
            _snapshotable = _behavior is ISnapshotable;
            var reader = _mailbox.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
                while (reader.TryRead(out var message))
                    await DeliverAsync(message).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Senders blocked on a full mailbox, and later ones, see why the actor is gone.
            var fault = ex as ActorFailedException ?? new ActorFailedException(Name, "runtime failure outside a message handler", ex);
            _mailbox.Writer.TryComplete(fault);
            throw fault;
        }
    }

    private async ValueTask DeliverAsync(TMessage message)
    {
        long number = ++_received;
        int attempts = 0;
        while (true)
        {
            if (await TryHandleAsync(message, number, replaying: false).ConfigureAwait(false))
            {
                if (_snapshotable)
                {
                    if (_context.SnapshotRequested)
                    {
                        _snapshot = ((ISnapshotable)_behavior).Snapshot();
                        _sinceSnapshot.Clear();
                    }
                    else
                    {
                        _sinceSnapshot.Add(new LoggedMessage(number, message));
                    }
                }
                Interlocked.Increment(ref _processed);
                return;
            }
            bool poison = ++attempts >= _supervision.PoisonAttempts;
            if (poison) ReportPoison(number, message, replaying: false);
            // Restart even after dropping: the failed attempt may have half-updated the state.
            await RestartAsync(number).ConfigureAwait(false);
            if (poison) return;
        }
    }

    private async ValueTask<bool> TryHandleAsync(TMessage message, long number, bool replaying)
    {
        _context.MessageNumber = number;
        _context.IsReplaying = replaying;
        _context.SnapshotRequested = false;
        try
        {
            await _behavior.HandleAsync(message, _context).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            _lastException = ex;
            Interlocked.Increment(ref _failures);
            _onFailure?.Invoke(new ActorFailure(Name, ActorFailureKind.HandlerFailed, number, Describe(message), ex, replaying));
            return false;
        }
    }

    /// <summary>Fresh behavior, last snapshot, replay of the messages since; repeated if a replayed message fails.</summary>
    private async ValueTask RestartAsync(long causedBy)
    {
        while (true)
        {
            CountRestart(causedBy);
            _behavior = _factory();
            if (_snapshotable) ((ISnapshotable)_behavior).Restore(_snapshot);
            if (await ReplayAsync().ConfigureAwait(false)) return;
        }
    }

    private async ValueTask<bool> ReplayAsync()
    {
        foreach (var logged in _sinceSnapshot)
        {
            if (await TryHandleAsync(logged.Message, logged.Number, replaying: true).ConfigureAwait(false)) continue;
            // It succeeded live, so the behavior is not deterministic; treat it like any failing message.
            if (++logged.ReplayFailures >= _supervision.PoisonAttempts)
            {
                _sinceSnapshot.Remove(logged);
                ReportPoison(logged.Number, logged.Message, replaying: true);
            }
            return false;
        }
        return true;
    }

    private void CountRestart(long causedBy)
    {
        _recentRestarts.Enqueue(causedBy);
        while (_recentRestarts.Peek() <= causedBy - _supervision.RestartWindowMessages) _recentRestarts.Dequeue();
        if (_recentRestarts.Count > _supervision.MaxRestarts)
        {
            _onFailure?.Invoke(new ActorFailure(Name, ActorFailureKind.Stopped, causedBy, "", _lastException, false));
            throw new ActorFailedException(Name,
                $"stopped after {_recentRestarts.Count} restarts within {_supervision.RestartWindowMessages} messages", _lastException);
        }
        Interlocked.Increment(ref _restarts);
    }

    private void ReportPoison(long number, TMessage message, bool replaying)
    {
        Interlocked.Increment(ref _poison);
        _onFailure?.Invoke(new ActorFailure(Name, ActorFailureKind.PoisonDropped, number, Describe(message), _lastException, replaying));
    }

    private static string Describe(TMessage message) => message switch
    {
        null => "null",
        Array batch => $"{batch.GetType().GetElementType()!.Name}[{batch.Length}]",
        _ => message.GetType().Name,
    };

    private sealed class LoggedMessage(long number, TMessage message)
    {
        public long Number { get; } = number;
        public TMessage Message { get; } = message;
        public int ReplayFailures { get; set; }
    }
}
