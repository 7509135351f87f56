using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Sig.Engine.Events;
using Sig.Engine.Journal;
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
/// </summary>
public sealed class NatsMarketSource(
    NatsConnection nats, MarketSubjects subjects, LiveSourceOptions options, JournalWriter journal, MdMessageParser parser, ulong resumeAfter)
    : IMarketEventSource
{
    private readonly List<MarketInput> _parsed = [];

    public string Name => options.JetStream ? "nats-jetstream" : "nats-core";

    /// <summary>The last source sequence journaled (stream sequence, or a local count under core NATS).</summary>
    public ulong LastSourceSeq { get; private set; } = resumeAfter;

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
            var js = new JetStreamContext(nats);
            await using var pull = new JetStreamPullConsumer(nats, MarketSubjects.MdStream, options.Durable, options.FetchBatch, TimeSpan.FromSeconds(5));
            while (!cancellationToken.IsCancellationRequested)
            {
                var batch = await NextAsync(pull, cancellationToken).ConfigureAwait(false);
                if (batch.Count == 0) continue;
                int closedBefore = parser.ClosedMinutes;
                foreach (var msg in batch)
                {
                    ulong seq = msg.Metadata.StreamSeq;
                    if (seq <= LastSourceSeq) continue; // journaled before a restart: already consumed
                    Consume(msg.Subject, msg.Data.Span, seq);
                    Pending = msg.Metadata.NumPending;
                }
                var inputs = JournalBatch();
                SyncAtMinute(closedBefore);
                // Ack policy "all": one ack covers the batch, and only after it is in the journal.
                // A lost ack is harmless: the next one covers it, and redeliveries are skipped by sequence.
                try { await js.AckAsync(batch[^1], cancellationToken).ConfigureAwait(false); }
                catch (NatsException e) { OnTransientError?.Invoke($"ack: {e.Message}"); }
                foreach (var input in inputs)
                {
                    await AfterJournaledAsync(input).ConfigureAwait(false);
                    yield return input;
                }
            }
        }
        else
        {
            await using var sub = _core!;
            var reader = sub.Messages;
            while (await WaitAsync(reader, cancellationToken).ConfigureAwait(false))
            {
                int closedBefore = parser.ClosedMinutes;
                for (int k = 0; k < options.FetchBatch && reader.TryRead(out var msg); k++)
                    Consume(msg.Subject, msg.Data.Span, LastSourceSeq + 1);
                var inputs = JournalBatch();
                SyncAtMinute(closedBefore);
                foreach (var input in inputs)
                {
                    await AfterJournaledAsync(input).ConfigureAwait(false);
                    yield return input;
                }
            }
        }
    }

    private bool _started;
    private NatsSubscription? _core;

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
            var js = new JetStreamContext(nats);
            await subjects.EnsureMdStreamAsync(js, cancellationToken).ConfigureAwait(false);
            await PositionConsumerAsync(js, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _core = await nats.SubscribeAsync(subjects.MdAll, cancellationToken: cancellationToken).ConfigureAwait(false);
            await nats.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        _started = true;
    }

    /// <summary>What has arrived of the stream (waiting up to FetchWait); while the server is away it waits and tries again rather than failing the session.</summary>
    private async Task<IReadOnlyList<JsMsg>> NextAsync(JetStreamPullConsumer pull, CancellationToken cancellationToken)
    {
        try
        {
            return await pull.NextAsync(options.FetchBatch, options.FetchWait, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return []; // stopping; the loop ends on the token
        }
        catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            OnTransientError?.Invoke($"pull: {e.Message}; retrying");
            await Task.Delay(RetryDelay, CancellationToken.None).ConfigureAwait(false);
            return [];
        }
    }

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    // Appends reach the OS at once (no user-space buffer), so a killed process loses nothing it
    // acked; the fsync for power loss follows journal.fsync, whose "minute" policy means here.
    private void SyncAtMinute(int closedBefore)
    {
        if (parser.ClosedMinutes != closedBefore) journal.Sync();
    }

    private readonly List<MarketInput> _batchInputs = [];
    private readonly List<TickEvent> _mergedTicks = [];
    private ulong _mergedSeq;
    private DateOnly _mergedDate;

    /// <summary>
    /// Parses one message into the pulled batch. Consecutive tick inputs are merged into one (a
    /// clock, day start or reject ends the run), so the pipeline and the journal see one input
    /// per run of rows between heartbeats rather than one per message; the merged input carries
    /// the last message's sequence, and being one journal record it is consumed all or nothing.
    /// </summary>
    private void Consume(string subject, ReadOnlySpan<byte> data, ulong seq)
    {
        _parsed.Clear();
        parser.Parse(subject, data, seq, _parsed);
        foreach (var input in _parsed)
        {
            if (input.Kind == MarketInputKind.Ticks && (_mergedTicks.Count == 0 || input.Date == _mergedDate))
            {
                _mergedTicks.AddRange(input.Events);
                _mergedSeq = input.SourceSeq;
                _mergedDate = input.Date;
                continue;
            }
            EndMergedTicks();
            if (input.Kind == MarketInputKind.Ticks)
            {
                _mergedTicks.AddRange(input.Events);
                _mergedSeq = input.SourceSeq;
                _mergedDate = input.Date;
            }
            else _batchInputs.Add(input);
        }
        LastSourceSeq = seq;
    }

    private void EndMergedTicks()
    {
        if (_mergedTicks.Count == 0) return;
        _batchInputs.Add(MarketInput.Ticks(_mergedDate, [.. _mergedTicks], _mergedSeq));
        _mergedTicks.Clear();
    }

    /// <summary>Journals the pulled batch's inputs with one write; returns them.</summary>
    private List<MarketInput> JournalBatch()
    {
        EndMergedTicks();
        journal.BeginBatch();
        foreach (var input in _batchInputs) journal.Append(MarketJournalCodec.TypeOf(input), MarketJournalCodec.Encode(input));
        journal.CommitBatch();
        var inputs = new List<MarketInput>(_batchInputs);
        _batchInputs.Clear();
        return inputs;
    }

    private async ValueTask AfterJournaledAsync(MarketInput input)
    {
        if (input.Kind == MarketInputKind.Rejected && !input.Reject!.Suppressed && OnReject is { } reject) await reject(input.Reject).ConfigureAwait(false);
        else if (input.Kind == MarketInputKind.Clock && OnClock is { } clock) await clock(input).ConfigureAwait(false);
    }

    private static async ValueTask<bool> WaitAsync(ChannelReader<NatsMsg> reader, CancellationToken cancellationToken)
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
    private async Task PositionConsumerAsync(JetStreamContext js, CancellationToken cancellationToken)
    {
        try
        {
            var info = await js.ConsumerInfoAsync(MarketSubjects.MdStream, options.Durable, cancellationToken).ConfigureAwait(false);
            if (info.Delivered.StreamSeq == LastSourceSeq && info.AckFloor.StreamSeq == LastSourceSeq && info.NumAckPending == 0) return;
            await js.DeleteConsumerAsync(MarketSubjects.MdStream, options.Durable, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJetStreamApiException e) when (e.Code == 404)
        {
            // No such consumer yet.
        }
        await js.CreateDurablePullConsumerAsync(MarketSubjects.MdStream, options.Durable, ackWait: TimeSpan.FromSeconds(30),
            maxAckPending: options.FetchBatch * 4, startSeq: LastSourceSeq == 0 ? null : LastSourceSeq + 1, ackAll: true,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
