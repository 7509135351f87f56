using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sig.Engine.Nats;

namespace Sig.Actors.Live;

/// <summary>How the live engine reads md from NATS.</summary>
public sealed record LiveSourceOptions
{
    /// <summary>Read through the durable JetStream stream SIG_MD (true) or a plain core subscription (false, best effort).</summary>
    public bool JetStream { get; init; } = true;
    /// <summary>Durable pull consumer name.</summary>
    public string Durable { get; init; } = "sig-engine";
    /// <summary>Messages per pull request, and at most per micro-batch journaled and acknowledged together.</summary>
    public int FetchBatch { get; init; } = 1024;
    /// <summary>How long one read waits for the first message before it checks for cancellation.</summary>
    public TimeSpan FetchWait { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// The live source: md messages from NATS, parsed by <see cref="MdMessageParser"/>, each
/// resulting input written to the journal <b>before</b> it is handed on, and the JetStream
/// message acknowledged only once journaled. The journal is the truth of what was consumed:
/// on start the durable consumer is positioned right after the last journaled stream sequence
/// (recreated if the server's position differs, e.g. after a crash with unacked deliveries),
/// and redeliveries at or below it are skipped, so a restart neither loses nor repeats input.
/// A delivery that skips stream sequences (messages lost in flight when a server died; the
/// server redelivers them only after the ack wait) repositions the consumer the same way, so
/// input is consumed in stream order without holes.
/// </summary>
public sealed class NatsMarketSource(
    NatsConnection nats, MarketSubjects subjects, LiveSourceOptions options, JournalWriter journal, MdMessageParser parser, ulong resumeAfter)
    : ILiveMdSource
{
    private readonly MdInputJournaler _journaler = new(parser, journal, resumeAfter);

    public string Name => options.JetStream ? "nats-jetstream" : "nats-core";

    /// <summary>The last source sequence journaled (stream sequence, or a local count under core NATS).</summary>
    public ulong LastSourceSeq => _journaler.LastSourceSeq;

    /// <summary>Messages still waiting in the stream for this consumer, as of the last pull.</summary>
    public ulong Pending { get; private set; }


    /// <summary>Every refused message not suppressed by the rate limit, once, as it is journaled (the session publishes it on sig.engine.rejects).</summary>
    public Func<MarketReject, ValueTask>? OnReject { get; init; }

    /// <summary>A transient NATS failure the source rides out (logged by the session).</summary>
    public Action<string>? OnTransientError { get; init; }

    /// <summary>Every clock accepted, after journaling (the session's status heartbeat).</summary>
    public Func<MarketInput, ValueTask>? OnClock { get; init; }

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!_started) await StartAsync(cancellationToken).ConfigureAwait(false);
        if (options.JetStream)
        {
            var batch = new List<INatsJSMsg<NatsMemoryOwner<byte>>>(options.FetchBatch);
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    await NextAsync(batch, cancellationToken).ConfigureAwait(false);
                    if (batch.Count == 0) continue;
                    int closedBefore = _journaler.Parser.ClosedMinutes;
                    INatsJSMsg<NatsMemoryOwner<byte>>? last = null;
                    foreach (var msg in batch)
                    {
                        // The ack subject read in place: the client's Metadata splits it into strings and boxes a lazy per message.
                        if (!JetStreamAckSubject.TryParse(msg.ReplyTo, out ulong seq, out ulong pending))
                            throw new NatsException($"pulled message on {msg.Subject} without a JetStream ack subject");
                        if (seq <= LastSourceSeq)
                        {
                            // Journaled already (a redelivery, or a server that restarted behind the journal): acked, not
                            // consumed again; unacked it would hold the consumer's ack-pending window forever.
                            msg.Data.Dispose();
                            last = msg;
                            continue;
                        }
                        if (seq != LastSourceSeq + 1 && _gapAcceptedAfter != LastSourceSeq)
                        {
                            // A hole: reposition right after the last journaled message and pull again.
                            OnTransientError?.Invoke($"pull: stream sequence {seq} follows {LastSourceSeq}; repositioning the consumer");
                            _repositionAfter = LastSourceSeq;
                            break;
                        }
                        _gapAcceptedAfter = ulong.MaxValue;
                        using (var payload = msg.Data) _journaler.Consume(msg.Subject, payload.Span, seq);
                        Pending = pending;
                        last = msg;
                    }
                    var inputs = _journaler.JournalBatch(closedBefore);
                    // Ack policy "all": one ack covers the batch, and only after it is in the journal (every message up to
                    // the acked one is). A lost ack is harmless: the next one covers it, and redeliveries are skipped by sequence.
                    if (last is { } acked)
                    {
                        try { await acked.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false); }
                        catch (NatsException e) { OnTransientError?.Invoke($"ack: {e.Message}"); }
                    }
                    foreach (var input in inputs)
                    {
                        await AfterJournaledAsync(input).ConfigureAwait(false);
                        yield return input;
                    }
                }
            }
            finally
            {
                await StopPumpAsync().ConfigureAwait(false);
            }
        }
        else
        {
            await using var sub = _core!;
            var reader = sub.Msgs;
            while (await WaitAsync(reader, cancellationToken).ConfigureAwait(false))
            {
                int closedBefore = _journaler.Parser.ClosedMinutes;
                for (int k = 0; k < options.FetchBatch && reader.TryRead(out var msg); k++)
                    _journaler.Consume(msg.Subject, msg.Data ?? [], LastSourceSeq + 1);
                var inputs = _journaler.JournalBatch(closedBefore);
                foreach (var input in inputs)
                {
                    await AfterJournaledAsync(input).ConfigureAwait(false);
                    yield return input;
                }
            }
        }
    }

    private bool _started;
    private INatsSub<byte[]>? _core;
    private NatsJSContext? _js;
    private INatsJSConsumer? _consumer;
    // The continuous pull: a task enumerating the client's consume loop into a bounded channel,
    // which hands out micro-batches of whatever has arrived (no waiting for a batch to fill).
    private Channel<INatsJSMsg<NatsMemoryOwner<byte>>>? _pulled;
    private CancellationTokenSource? _pumpStop;
    private Task? _pump;
    private ulong _repositionAfter = ulong.MaxValue;   // set: reposition after this sequence before pulling again
    private ulong _gapAcceptedAfter = ulong.MaxValue;  // a repositioned consumer's first delivery may skip deleted messages

    /// <summary>
    /// Makes the input ready before the first read: SIG_MD and the durable consumer positioned
    /// after the last journaled message, or the core subscription in place (core NATS drops what
    /// is published before it). The session announces "live" after this.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_started) return;
        if (options.JetStream)
        {
            _js = new NatsJSContext(nats);
            await subjects.EnsureMdStreamAsync(_js, cancellationToken).ConfigureAwait(false);
            _consumer = await PositionConsumerAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _core = await nats.SubscribeCoreAsync<byte[]>(subjects.MdAll, cancellationToken: cancellationToken).ConfigureAwait(false);
            await nats.PingAsync(cancellationToken).ConfigureAwait(false); // the SUB is in place on the server
        }
        _started = true;
    }

    /// <summary>
    /// Fills <paramref name="batch"/> with what has arrived of the stream (waiting up to FetchWait
    /// for the first message). While the server is away, or after a hole, it repositions and pulls
    /// again rather than failing the session.
    /// </summary>
    private async Task NextAsync(List<INatsJSMsg<NatsMemoryOwner<byte>>> batch, CancellationToken cancellationToken)
    {
        batch.Clear();
        try
        {
            if (_pump is { IsCompleted: true } && _pulled!.Reader.Count == 0) await StopPumpAsync().ConfigureAwait(false);
            if (_repositionAfter != ulong.MaxValue)
            {
                await StopPumpAsync().ConfigureAwait(false);
                _consumer = await PositionConsumerAsync(cancellationToken).ConfigureAwait(false);
                _gapAcceptedAfter = _repositionAfter;
                _repositionAfter = ulong.MaxValue;
            }
            if (_pump is null) StartPump();
            var reader = _pulled!.Reader;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(options.FetchWait);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return; // nothing within FetchWait
            }
            while (batch.Count < options.FetchBatch && reader.TryRead(out var msg)) batch.Add(msg);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping; the loop ends on the token
        }
        catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            OnTransientError?.Invoke($"pull: {e.Message}; retrying");
            _repositionAfter = LastSourceSeq; // the server may have lost or kept deliveries: start again from the journal
            await Task.Delay(RetryDelay, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private void StartPump()
    {
        _pulled = Channel.CreateBounded<INatsJSMsg<NatsMemoryOwner<byte>>>(new BoundedChannelOptions(options.FetchBatch * 2) { SingleReader = true, SingleWriter = true });
        _pumpStop = new CancellationTokenSource();
        var consumer = _consumer!;
        var writer = _pulled.Writer;
        var stop = _pumpStop.Token;
        var consumeOptions = new NatsJSConsumeOpts { MaxMsgs = options.FetchBatch, Expires = TimeSpan.FromSeconds(5) };
        _pump = Task.Run(async () =>
        {
            try
            {
                // Payloads in pooled buffers (returned once parsed), not a new array per message.
                await foreach (var msg in consumer.ConsumeAsync(NatsRawSerializer<NatsMemoryOwner<byte>>.Default, consumeOptions, stop).ConfigureAwait(false))
                    await writer.WriteAsync(msg, stop).ConfigureAwait(false);
                writer.TryComplete();
            }
            catch (Exception e)
            {
                writer.TryComplete(stop.IsCancellationRequested ? null : e);
            }
        }, CancellationToken.None);
    }

    /// <summary>Stops the consume loop (messages it delivered that were not journaled come again after repositioning).</summary>
    private async Task StopPumpAsync()
    {
        if (_pump is null) return;
        bool endedByItself = _pump.IsCompleted;
        await _pumpStop!.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        _pumpStop.Dispose();
        _pump = null;
        if (endedByItself)
        {
            // The client's consume loop gives up only when the consumer is gone or refuses: recreate it.
            string why = _pulled!.Reader.Completion.Exception?.InnerException?.Message ?? "the consume loop ended";
            OnTransientError?.Invoke($"pull: {why}; repositioning");
            _repositionAfter = LastSourceSeq;
        }
    }

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private async ValueTask AfterJournaledAsync(MarketInput input)
    {
        if (input.Kind == MarketInputKind.Rejected && !input.Reject!.Suppressed && OnReject is { } reject) await reject(input.Reject).ConfigureAwait(false);
        else if (input.Kind == MarketInputKind.Clock && OnClock is { } clock) await clock(input).ConfigureAwait(false);
    }

    private static async ValueTask<bool> WaitAsync(ChannelReader<NatsMsg<byte[]>> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Makes the durable deliver exactly from the message after the last journaled one.</summary>
    private Task<INatsJSConsumer> PositionConsumerAsync(CancellationToken cancellationToken) =>
        DurableConsumerStart.PositionAfterAsync(_js!, options.Durable, LastSourceSeq, options.FetchBatch, cancellationToken);
}
