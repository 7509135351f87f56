using Akka.Actor;

namespace Sig.Actors.Pipeline;

/// <summary>
/// A stage whose state survives a restart: the supervisor restarts the actor, the new instance
/// restores the last snapshot and the stage replays the messages handled since. For
/// deterministic stages the state after restore + replay equals the state had the failure
/// never happened.
/// </summary>
internal interface ISnapshotable
{
    /// <summary>
    /// The complete state, as a value the stage will not mutate afterwards (a deep copy or
    /// bytes); taken between messages, never during one.
    /// </summary>
    object Snapshot();

    /// <summary>Replaces the state with a snapshot (must not mutate it: it may be restored again); null means the initial state.</summary>
    void Restore(object? snapshot);
}

/// <summary>
/// The base of every pipeline actor. It takes typed messages (batches, never one event each)
/// one at a time, and adds to Akka what the pipeline needs:
/// <list type="bullet">
/// <item>flow control: a window of unacknowledged messages per downstream link (see
/// <see cref="Outbox"/>); an upstream message is acknowledged once handled and only while no
/// downstream window is overfull, so backpressure reaches the source;</item>
/// <item>restart from snapshot: a failure goes to the supervisor (Akka supervision, a
/// <see cref="OneForOneStrategy"/> in <see cref="PipelineSupervisor"/>); on Restart the new
/// instance restores the last snapshot, replays the messages since, and the failed message is
/// put back at the head of the mailbox (dropped as poison after
/// <see cref="SupervisionOptions.PoisonAttempts"/> failures);</item>
/// <item>end of stream: once every upstream has ended, the stage ends its downstreams (the
/// terminal stages tell the supervisor), so a run drains completely.</item>
/// </list>
/// </summary>
/// <typeparam name="TMessage">The stage's data message.</typeparam>
internal abstract class PipelineStage<TMessage> : UntypedActor, IWithUnboundedStash where TMessage : class
{
    private readonly StageMemory _memory;
    private bool _snapshotRequested;

    protected PipelineStage(StageMemory memory) => _memory = memory;

    /// <summary>Set by Akka: where the retried message is put back at the head of the mailbox.</summary>
    public IStash Stash { get; set; } = null!;

    /// <summary>True while re-applying messages after a restart: <see cref="Emit"/> sends nothing.</summary>
    protected bool IsReplaying { get; private set; }

    /// <summary>1-based arrival number of the message being handled.</summary>
    protected long MessageNumber { get; private set; }

    /// <summary>The configured snapshot interval in closed minutes (<c>actors.snapshotEveryMinutes</c>; 0 = never by time).</summary>
    protected int SnapshotEveryMinutes => _memory.SnapshotEveryMinutes;

    /// <summary>Downstream links.</summary>
    protected int Downstreams => _memory.Outboxes.Count;

    /// <summary>Asks for a snapshot once the current message has been handled; the messages kept for replay are then released.</summary>
    protected void RequestSnapshot() => _snapshotRequested = true;

    /// <summary>Sends to downstream <paramref name="index"/> through its window; nothing while replaying (it was sent the first time).</summary>
    protected void Emit(int index, object message)
    {
        if (!IsReplaying) _memory.Outboxes[index].Send(message, Self);
    }

    /// <summary>Handles one message. Throwing is a failure (see the class remarks). Stages that snapshot must complete synchronously.</summary>
    protected abstract ValueTask HandleAsync(TMessage message);

    /// <summary>
    /// Called exactly once for each message the stage will never read again: for a stage that
    /// snapshots, when a snapshot covers it (the messages kept for replay since the previous snapshot
    /// and the one just handled) or when it is dropped as poison; for any other stage, once handled
    /// or dropped. A stage that is its messages' last reader returns their pooled buffers here
    /// (<see cref="SymbolShard"/>); a stage that passes a message on must not. A message still kept
    /// for replay when the run ends is never released (its buffers are collected instead).
    /// </summary>
    protected virtual void Released(TMessage message) { }

    /// <summary>
    /// A live message was handled and, if it asked for one, its snapshot taken (not called for messages
    /// replayed after a restart, nor for one dropped as poison): what must follow the whole of it.
    /// </summary>
    protected virtual void Completed(TMessage message) { }

    /// <summary>Called once every upstream has ended, before the end is passed on.</summary>
    protected virtual void OnEndOfStream() { }

    protected sealed override void OnReceive(object message)
    {
        switch (message)
        {
            case StageAck:
                OnAck();
                break;
            case TMessage data:
                Deliver(++_memory.Received, data, Sender, attempts: 0);
                break;
            case RetryMessage retry:
                Deliver(retry.Number, (TMessage)retry.Message, Sender, _memory.Current?.Attempts ?? 0);
                break;
            case EndOfStream:
                Sender.Tell(StageAck.Instance, Self);
                OnUpstreamEnded();
                break;
            case StreamStarted:
                Sender.Tell(StageAck.Instance, Self);
                break;
            case StreamCompleted:
                OnUpstreamEnded();
                break;
            case StreamFailed failed:
                _memory.SourceError ??= failed.Cause;
                OnUpstreamEnded();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Deliver(long number, TMessage message, IActorRef sender, int attempts)
    {
        var pending = new PendingMessage(number, message, sender) { Attempts = attempts };
        _memory.Current = pending;
        MessageNumber = number;
        IsReplaying = false;
        _snapshotRequested = false;
        ValueTask handling;
        try
        {
            handling = HandleAsync(message);
        }
        catch (Exception ex)
        {
            throw Failed(pending, ex);
        }
        if (handling.IsCompletedSuccessfully)
        {
            Succeeded(pending);
            return;
        }
        RunTask(async () =>
        {
            try
            {
                await handling.ConfigureAwait(true);
            }
            catch (Exception ex)
            {
                throw Failed(pending, ex);
            }
            Succeeded(pending);
        });
    }

    private void Succeeded(PendingMessage pending)
    {
        if (this is ISnapshotable snapshotable)
        {
            if (_snapshotRequested)
            {
                _memory.Snapshot = snapshotable.Snapshot();
                // The snapshot holds the effect of every message kept for replay and of this one: none is read again.
                foreach (var logged in _memory.SinceSnapshot) Released((TMessage)logged.Message);
                _memory.SinceSnapshot.Clear();
                Released((TMessage)pending.Message);
            }
            else _memory.SinceSnapshot.Add(new LoggedMessage(pending.Number, pending.Message));
        }
        else Released((TMessage)pending.Message);
        _memory.Current = null;
        Acknowledge(pending.Sender);
        // Counted after the acknowledgement is sent or deferred, so a reader of the count sees it decided.
        Interlocked.Increment(ref _memory.Processed);
        Completed((TMessage)pending.Message);
    }

    private StageFailureException Failed(PendingMessage pending, Exception ex)
    {
        pending.Attempts++;
        _memory.LastException = ex;
        Interlocked.Increment(ref _memory.Failures);
        _memory.Report(ActorFailureKind.HandlerFailed, pending.Number, pending.Message, ex, replaying: false);
        return new StageFailureException(_memory, pending.Number, ex);
    }

    /// <summary>A run resumed from a persisted cut starts from the snapshot its memory was given.</summary>
    protected sealed override void PreStart()
    {
        if (this is ISnapshotable snapshotable && _memory.Snapshot is { } resumed) snapshotable.Restore(resumed);
    }

    /// <summary>The new instance after a supervisor's Restart: restore, replay, then retry (or drop) the failed message.</summary>
    protected sealed override void PostRestart(Exception reason)
    {
        if (this is ISnapshotable snapshotable)
        {
            snapshotable.Restore(_memory.Snapshot);
            Replay();
        }
        if (_memory.Current is not { } failed) return;
        if (failed.Attempts >= _memory.Supervision.PoisonAttempts)
        {
            _memory.Current = null;
            Interlocked.Increment(ref _memory.Poison);
            _memory.Report(ActorFailureKind.PoisonDropped, failed.Number, failed.Message, _memory.LastException, replaying: false);
            Released((TMessage)failed.Message);
            Acknowledge(failed.Sender);
            return;
        }
        Stash.Prepend([new Envelope(new RetryMessage(failed.Number, failed.Message), failed.Sender)]);
        Stash.UnstashAll();
    }

    private void Replay()
    {
        IsReplaying = true;
        try
        {
            foreach (var logged in _memory.SinceSnapshot)
            {
                MessageNumber = logged.Number;
                try
                {
                    var handling = HandleAsync((TMessage)logged.Message);
                    if (!handling.IsCompleted) throw new InvalidOperationException($"stage {_memory.Name} snapshots, so it must handle messages synchronously");
                    handling.GetAwaiter().GetResult();
                }
                catch (Exception ex)
                {
                    // It succeeded live, so the stage is not deterministic; treat it like any failing message.
                    _memory.LastException = ex;
                    Interlocked.Increment(ref _memory.Failures);
                    _memory.Report(ActorFailureKind.HandlerFailed, logged.Number, logged.Message, ex, replaying: true);
                    if (++logged.ReplayFailures >= _memory.Supervision.PoisonAttempts)
                    {
                        _memory.SinceSnapshot.Remove(logged);
                        Interlocked.Increment(ref _memory.Poison);
                        _memory.Report(ActorFailureKind.PoisonDropped, logged.Number, logged.Message, ex, replaying: true);
                        Released((TMessage)logged.Message);
                    }
                    throw new StageFailureException(_memory, logged.Number, ex);
                }
            }
        }
        finally
        {
            IsReplaying = false;
        }
    }

    private void Acknowledge(IActorRef upstream)
    {
        if (upstream.IsNobody()) return;
        if (_memory.Blocked) _memory.DeferredAcks.Add(upstream);
        else upstream.Tell(StageAck.Instance, Self);
    }

    private void OnAck()
    {
        foreach (var outbox in _memory.Outboxes)
            if (outbox.Target.Equals(Sender))
            {
                outbox.OnAck(Self);
                break;
            }
        if (_memory.DeferredAcks.Count == 0 || _memory.Blocked) return;
        foreach (var upstream in _memory.DeferredAcks) upstream.Tell(StageAck.Instance, Self);
        _memory.DeferredAcks.Clear();
    }

    private void OnUpstreamEnded()
    {
        if (++_memory.EndsSeen < _memory.Upstreams) return;
        OnEndOfStream();
        if (_memory.Outboxes.Count == 0) Context.Parent.Tell(new StageCompleted(_memory.Name));
        foreach (var outbox in _memory.Outboxes) outbox.Send(EndOfStream.Instance, Self);
    }
}

/// <summary>A terminal stage has handled its last message.</summary>
internal sealed record StageCompleted(string Name);
