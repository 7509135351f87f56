using System.Runtime.CompilerServices;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Nats;

namespace Sig.Actors.Live;

/// <summary>
/// The live source of one partitioned shard (docs/cluster.md, "Partitioned md input"): two
/// durable consumers on SIG_MD, <c>&lt;durable&gt;-p</c> filtered to the shard's partition
/// (<c>md.*.*.&lt;k&gt;</c>) and <c>&lt;durable&gt;-c</c> to the control subjects (<c>md.*</c>: clock,
/// reference), merged by stream sequence (<see cref="ControlPartitionMerge{T}"/>, with fences
/// asked of the stream), parsed and journaled before the acks like the whole-stream source. Both
/// consumers resume after the last journaled stream sequence. A stream hole is not lost input
/// here (a filtered consumer skips every other partition's sequences); a lost delivery shows as a
/// gap in a consumer's delivery sequence and repositions both consumers after the journal.
/// </summary>
public sealed class PartitionedMdSource(
    NatsConnection nats, MarketSubjects subjects, MdPartitions partitions, int partition, LiveSourceOptions options,
    JournalWriter journal, MdMessageParser parser, ulong resumeAfter) : ILiveMdSource
{
    private readonly MdInputJournaler _journaler = new(parser, journal, resumeAfter);
    private readonly ConsumerPull[] _pulls =
    [
        new($"{options.Durable}-p", partitions.PartitionFilter(partition)),
        new($"{options.Durable}-c", partitions.ControlFilter),
    ];
    private readonly INatsJSMsg<NatsMemoryOwner<byte>>?[] _ackable = new INatsJSMsg<NatsMemoryOwner<byte>>?[2];
    private ControlPartitionMerge<INatsJSMsg<NatsMemoryOwner<byte>>> _merge = new(resumeAfter);
    private NatsJSContext? _js;
    private INatsJSStream? _stream;
    private bool _started;
    private bool _reposition;

    public string Name => "nats-jetstream-partitioned";

    /// <inheritdoc/>
    public ulong LastSourceSeq => _journaler.LastSourceSeq;

    /// <inheritdoc/>
    public ulong Pending => _pulls[0].Pending + _pulls[1].Pending;

    /// <summary>Fence requests made (a direct get of the other side's next message); benchmarks and tests.</summary>
    public long Fences { get; private set; }

    /// <summary>A transient NATS failure the source rides out.</summary>
    public Action<string>? OnTransientError { get; init; }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_started) return;
        _js = new NatsJSContext(nats);
        _stream = await subjects.EnsureMdStreamAsync(_js, cancellationToken).ConfigureAwait(false);
        await PositionConsumersAsync(cancellationToken).ConfigureAwait(false);
        _started = true;
    }

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!_started) await StartAsync(cancellationToken).ConfigureAwait(false);
        var batch = new List<(MdSide Side, ulong Seq, INatsJSMsg<NatsMemoryOwner<byte>> Msg)>(options.FetchBatch);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await NextAsync(batch, cancellationToken).ConfigureAwait(false);
                if (batch.Count == 0 && _ackable[0] is null && _ackable[1] is null) continue;
                int closedBefore = parser.ClosedMinutes;
                foreach (var (side, seq, msg) in batch)
                {
                    using (var payload = msg.Data) _journaler.Consume(msg.Subject, payload.Span, seq);
                    _ackable[(int)side] = msg;
                }
                var inputs = _journaler.JournalBatch(closedBefore);
                // Ack policy "all" on each consumer, only once journaled: the last message of each side covers the side's batch.
                for (int s = 0; s < 2; s++)
                {
                    if (_ackable[s] is not { } acked) continue;
                    _ackable[s] = null;
                    try { await acked.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false); }
                    catch (NatsException e) { OnTransientError?.Invoke($"ack: {e.Message}"); }
                }
                foreach (var input in inputs) yield return input;
            }
        }
        finally
        {
            foreach (var pull in _pulls) await pull.StopAsync().ConfigureAwait(false);
            _merge.Clear(m => m.Data.Dispose());
        }
    }

    /// <summary>
    /// Fills <paramref name="batch"/> with the next merged messages: what has arrived on both
    /// consumers, taken in stream order; when a side holds the merge back, its fence is asked of the
    /// stream, and if that does not free anything, it waits (up to FetchWait) for that side.
    /// </summary>
    private async Task NextAsync(List<(MdSide, ulong, INatsJSMsg<NatsMemoryOwner<byte>>)> batch, CancellationToken cancellationToken)
    {
        batch.Clear();
        try
        {
            if (_reposition || _pulls.Any(p => p.EndedByItself)) await RepositionAsync(cancellationToken).ConfigureAwait(false);
            Drain();
            if (_reposition) return;
            if (Take(batch) > 0) return;
            if (_merge.Waiting is { } side)
            {
                await FenceAsync(side, cancellationToken).ConfigureAwait(false);
                if (Take(batch) > 0) return;
                await _pulls[(int)side].WaitAsync(options.FetchWait, cancellationToken).ConfigureAwait(false);
                return;
            }
            await ConsumerPull.WaitAnyAsync(_pulls, options.FetchWait, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping; the loop ends on the token
        }
        catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            OnTransientError?.Invoke($"pull: {e.Message}; retrying");
            _reposition = true; // the server may have lost or kept deliveries: start again from the journal
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private int Take(List<(MdSide, ulong, INatsJSMsg<NatsMemoryOwner<byte>>)> batch)
    {
        while (batch.Count < options.FetchBatch && _merge.TryTake(out var side, out ulong seq, out var msg)) batch.Add((side, seq, msg));
        return batch.Count;
    }

    /// <summary>Moves what the consumers delivered into the merge; a gap in a consumer's delivery sequence (a lost delivery) asks for a reposition.</summary>
    private void Drain()
    {
        for (int s = 0; s < 2; s++)
        {
            var pull = _pulls[s];
            while (pull.TryRead(out var msg))
            {
                if (!JetStreamAckSubject.TryParse(msg.ReplyTo, out ulong seq, out ulong delivery, out ulong pending))
                    throw new NatsException($"pulled message on {msg.Subject} without a JetStream ack subject");
                if (delivery > pull.LastDelivery + 1)
                {
                    OnTransientError?.Invoke($"pull: {pull.Durable} delivery {delivery} follows {pull.LastDelivery}; repositioning the consumers");
                    msg.Data.Dispose();
                    _reposition = true;
                    return;
                }
                pull.LastDelivery = Math.Max(pull.LastDelivery, delivery);
                pull.Pending = pending;
                if (!_merge.Add((MdSide)s, seq, msg))
                {
                    // Journaled already (a redelivery): acked with the next batch, not consumed again.
                    msg.Data.Dispose();
                    if (seq <= _merge.Emitted) _ackable[s] = msg;
                }
            }
        }
    }

    /// <summary>
    /// Asks the stream leader for its last sequence L (stream info), then for <paramref name="side"/>'s
    /// next message after what the merge knows of it (a get by the side's filter subject). Found at c:
    /// the side holds nothing before c, fence min(L, c − 1); none: nothing up to L. The bound is the
    /// leader's L, asked first, not the other side's last delivery: a consumer delivers from its own
    /// replica, which may have applied a message the leader has not yet, so the leader could answer
    /// "none" for a message below a delivered one (seen under load: a clock delivered below the fence).
    /// </summary>
    private async Task FenceAsync(MdSide side, CancellationToken cancellationToken)
    {
        ulong from = _merge.KnownThrough(side) + 1;
        Fences++;
        await _stream!.RefreshAsync(cancellationToken).ConfigureAwait(false);
        ulong last = _stream.Info.State.LastSeq;
        if (last < from) return;
        try
        {
            var found = await _stream.GetAsync(new StreamMsgGetRequest { Seq = from, NextBySubj = _pulls[(int)side].Filter }, cancellationToken).ConfigureAwait(false);
            if (found.Message.Seq > from) _merge.Fence(side, Math.Min(last, found.Message.Seq - 1));
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            _merge.Fence(side, last);
        }
    }

    private async Task RepositionAsync(CancellationToken cancellationToken)
    {
        foreach (var pull in _pulls) await pull.StopAsync().ConfigureAwait(false);
        _merge.Clear(m => m.Data.Dispose());
        _ackable[0] = _ackable[1] = null;
        await PositionConsumersAsync(cancellationToken).ConfigureAwait(false);
        _reposition = false;
    }

    /// <summary>(Re)creates both durable consumers to deliver their filters from the message after the last journaled one, and starts pulling.</summary>
    private async Task PositionConsumersAsync(CancellationToken cancellationToken)
    {
        _merge = new ControlPartitionMerge<INatsJSMsg<NatsMemoryOwner<byte>>>(LastSourceSeq);
        foreach (var pull in _pulls)
        {
            var consumer = await DurableConsumerStart.PositionAfterAsync(_js!, pull.Durable, LastSourceSeq, options.FetchBatch, cancellationToken, pull.Filter).ConfigureAwait(false);
            pull.Start(consumer, options.FetchBatch);
        }
    }

    /// <summary>One filtered consumer's continuous pull: the client's consume loop enumerated into a bounded channel.</summary>
    private sealed class ConsumerPull(string durable, string filter)
    {
        private Channel<INatsJSMsg<NatsMemoryOwner<byte>>>? _pulled;
        private CancellationTokenSource? _stop;
        private Task? _pump;

        public string Durable => durable;
        public string Filter => filter;
        public ulong LastDelivery { get; set; }
        public ulong Pending { get; set; }

        /// <summary>The consume loop gave up by itself (the consumer is gone or refuses) and everything it delivered was read.</summary>
        public bool EndedByItself => _pump is { IsCompleted: true } && _pulled!.Reader.Count == 0 && !_stop!.IsCancellationRequested;

        public void Start(INatsJSConsumer consumer, int fetchBatch)
        {
            LastDelivery = 0;
            _pulled = Channel.CreateBounded<INatsJSMsg<NatsMemoryOwner<byte>>>(new BoundedChannelOptions(fetchBatch * 2) { SingleReader = true, SingleWriter = true });
            _stop = new CancellationTokenSource();
            var writer = _pulled.Writer;
            var stop = _stop.Token;
            var opts = new NatsJSConsumeOpts { MaxMsgs = fetchBatch, Expires = TimeSpan.FromSeconds(5) };
            _pump = Task.Run(async () =>
            {
                try
                {
                    await foreach (var msg in consumer.ConsumeAsync(NatsRawSerializer<NatsMemoryOwner<byte>>.Default, opts, stop).ConfigureAwait(false))
                        await writer.WriteAsync(msg, stop).ConfigureAwait(false);
                    writer.TryComplete();
                }
                catch (Exception e)
                {
                    writer.TryComplete(stop.IsCancellationRequested ? null : e);
                }
            }, CancellationToken.None);
        }

        public bool TryRead(out INatsJSMsg<NatsMemoryOwner<byte>> msg)
        {
            msg = default!;
            return _pulled is { } p && p.Reader.TryRead(out msg!);
        }

        /// <summary>Waits up to <paramref name="wait"/> for a delivery.</summary>
        public Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken) => WaitAnyAsync([this], wait, cancellationToken);

        /// <summary>Waits up to <paramref name="wait"/> until one of <paramref name="pulls"/> has a delivery (or ended).</summary>
        public static async Task WaitAnyAsync(ConsumerPull[] pulls, TimeSpan wait, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                await Task.WhenAny(pulls.Select(p => p._pulled!.Reader.WaitToReadAsync(timeout.Token).AsTask())).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // nothing within the wait
            }
            await timeout.CancelAsync().ConfigureAwait(false);
        }

        /// <summary>Stops the consume loop; what it delivered and was not read is dropped (it comes again after repositioning).</summary>
        public async Task StopAsync()
        {
            if (_pump is null) return;
            await _stop!.CancelAsync().ConfigureAwait(false);
            try { await _pump.ConfigureAwait(false); } catch (OperationCanceledException) { }
            while (_pulled!.Reader.TryRead(out var msg)) msg.Data.Dispose();
            _stop.Dispose();
            _pump = null;
        }
    }
}
