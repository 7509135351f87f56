using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sig.Engine.Nats;
using Sig.Engine.Time;

namespace Sig.Replay.Feed;

/// <summary>How <see cref="DayFeedPublisher"/> publishes.</summary>
public sealed record DayFeedPublishOptions
{
    /// <summary>Publish into the JetStream stream SIG_MD (created or confirmed first) and verify it stored the plan;
    /// false: best-effort core NATS only.</summary>
    public bool JetStream { get; init; } = true;

    /// <summary>Pace by exchange time: 1 = real time, 10 = ten times faster; 0 = as fast as possible.</summary>
    public double Speed { get; init; }

    /// <summary>
    /// With <see cref="Speed"/> &gt; 0, pace the lunch break like one quiet second: the clock that closes the lunch window
    /// (13:00:00) is due one exchange second after 11:30:01 rather than 90 minutes, and everything later moves up by as much.
    /// The messages are the same; only when they leave changes.
    /// </summary>
    public bool SkipLunch { get; init; }

    // The plan's lunch window [11:30:01, 13:00:00) is closed by one clock, as every window is (docs/nats.md).
    private static readonly int LunchFromMs = ExchangeTime.ToMillis(113001000), LunchToMs = ExchangeTime.ToMillis(130000000);

    /// <summary>
    /// The exchange time (milliseconds of the day) at which a clock stamped <paramref name="exchangeMillis"/> is paced:
    /// itself, or with <see cref="SkipLunch"/> the lunch break shrunk to one second.
    /// </summary>
    public int PacedMillis(int exchangeMillis)
    {
        if (!SkipLunch || exchangeMillis <= LunchFromMs) return exchangeMillis;
        int intoLunch = exchangeMillis - LunchFromMs;
        return exchangeMillis - Math.Min(intoLunch, LunchToMs - LunchFromMs) + Math.Min(intoLunch, 1000);
    }

    /// <summary>Every this many messages one goes out with a reply subject and its JetStream ack is checked.</summary>
    public int SyncEvery { get; init; } = 1024;

    /// <summary>Sync acks outstanding before the publisher waits for the oldest (bounds what the server has queued).</summary>
    public int MaxSyncsInFlight { get; init; } = 8;

    /// <summary>How long a sync ack may take (the server stores everything published before it first).</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called after each clock message is published: (exchange time, messages so far, events so far).</summary>
    public Action<int, long, long>? OnClock { get; init; }
}

/// <summary>What a feed published.</summary>
/// <param name="Messages">Messages published (the whole plan).</param>
/// <param name="Events">Trade and order rows.</param>
/// <param name="ReferenceRows">Reference rows.</param>
/// <param name="Clocks">Clock messages.</param>
/// <param name="Bytes">Payload bytes (headers not counted).</param>
/// <param name="Elapsed">Wall time from the first publish to the verified end.</param>
/// <param name="Stored">Messages the stream stored now (JetStream; equals <paramref name="Messages"/> in core mode).</param>
/// <param name="Duplicates">Messages the stream already held from an earlier run of the same feed (JetStream de-duplication).</param>
public sealed record DayFeedResult(long Messages, long Events, long ReferenceRows, long Clocks, long Bytes, TimeSpan Elapsed,
                                   long Stored, long Duplicates)
{
    public double EventsPerSecond => Elapsed > TimeSpan.Zero ? Events / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Publishes a <see cref="DayFeedPlan"/> (any sequence of <see cref="FeedMessage"/>s) to NATS, every
/// message with its <c>Nats-Msg-Id</c> header.
/// <para>
/// JetStream mode, reliable and fast: messages go out as plain core publishes with headers (no
/// request/ack round trip each; the stream captures them by subject; the client writes them to the
/// socket in large chunks), except every <see cref="DayFeedPublishOptions.SyncEvery"/>-th
/// message and the last, which carry a reply subject, so the stream answers with a PubAck. (A
/// request/ack per message would cost a round trip each; acks for a window of messages in flight
/// would cost the server a reply and us a parse per message.) A stream ingests one connection's
/// messages in the order they were published, so the ack of the message at position p means
/// everything before p has been processed; at most <see cref="DayFeedPublishOptions.MaxSyncsInFlight"/>
/// acks are outstanding, which bounds what sits unprocessed on the server. Each ack is also a proof
/// of completeness: the messages stored by this run must be a contiguous run of stream sequences in
/// publish order, after the prefix an earlier run of the same feed stored (de-duplicated by
/// Msg-Id). So for every non-duplicate ack (p, seq), p + 1 − (seq − lastSeqBefore) — the number of
/// messages up to p that this run did not store — must be the same, and duplicates may only come
/// before new messages. A message lost on the way (a dropped connection: the client drops what the
/// socket had not taken) or a foreign message in between changes that number, and the publisher fails
/// instead of reporting success: a hole cannot be filled afterwards without breaking the stream's
/// order, which the live engine consumes as is. At the end the stream's message count must have
/// grown by exactly messages − duplicates. This assumes the feed is the only writer into SIG_MD
/// while it runs, and that a re-run uses the same plan (seed, max rows, payload limit): Msg-Ids are
/// positions, so a different plan's messages would be taken for duplicates.
/// </para>
/// <para>Core mode (<see cref="DayFeedPublishOptions.JetStream"/> false): best-effort publishes, flushed at the end.</para>
/// </summary>
public sealed class DayFeedPublisher
{
    private readonly NatsConnection _connection;
    private readonly MarketSubjects _subjects;
    private readonly DayFeedPublishOptions _options;

    public DayFeedPublisher(NatsConnection connection, MarketSubjects subjects, DayFeedPublishOptions? options = null)
    {
        _connection = connection;
        _subjects = subjects;
        _options = options ?? new DayFeedPublishOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.SyncEvery, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxSyncsInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.Speed);
    }

    /// <summary>Publishes a plan over its own subjects.</summary>
    public static Task<DayFeedResult> PublishAsync(NatsConnection connection, DayFeedPlan plan, DayFeedPublishOptions? options = null,
                                                   CancellationToken cancellationToken = default) =>
        new DayFeedPublisher(connection, plan.Subjects, options).PublishAsync(plan, cancellationToken);

    /// <summary>Publishes <paramref name="messages"/> in order.</summary>
    /// <exception cref="IOException">The stream did not store the messages in order (verification failed) or an ack timed out.</exception>
    /// <exception cref="NatsException">The connection or the JetStream API failed (the client's exception).</exception>
    public async Task<DayFeedResult> PublishAsync(IEnumerable<FeedMessage> messages, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        Verifier? verifier = null;
        INatsSub<byte[]>? acks = null;
        string? inbox = null;
        if (_options.JetStream)
        {
            var js = new NatsJSContext(_connection);
            await _subjects.EnsureMdStreamAsync(js, cancellationToken).ConfigureAwait(false);
            var before = (await js.GetStreamAsync(MarketSubjects.MdStream, cancellationToken: cancellationToken).ConfigureAwait(false)).Info.State;
            verifier = new Verifier(js, before);
            // Under _INBOX (what permissions grant for replies) but not under the connection's own inbox
            // prefix: the client routes that prefix to its request multiplexer by exact subject, which would
            // not deliver the acks to a wildcard subscription.
            inbox = "_INBOX.feed" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
            acks = await _connection.SubscribeCoreAsync<byte[]>(inbox + ".*", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        try
        {
            long count = 0, events = 0, referenceRows = 0, clocks = 0, bytes = 0;
            var pending = new Queue<(long Position, string MsgId)>(); // sync messages whose ack is due
            var pace = new Pacer(_options);
            // One header set, rewritten per message: the client serializes it into its buffer during the publish,
            // which is awaited before the next message (a new NatsHeaders each was a dictionary per message).
            var headers = new NatsHeaders();
            bool haveHeld = false;
            FeedMessage held = default;
            // One message is held back so that the last one can be published as a sync point.
            foreach (var next in messages)
            {
                if (haveHeld) await SendAsync(held, last: false).ConfigureAwait(false);
                held = next;
                haveHeld = true;
            }
            if (haveHeld) await SendAsync(held, last: true).ConfigureAwait(false);

            if (verifier is not null)
            {
                while (pending.Count > 0) await ReceiveAckAsync().ConfigureAwait(false);
                await verifier.FinishAsync(count, cancellationToken).ConfigureAwait(false);
            }
            else await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
            clock.Stop();
            long duplicates = verifier?.Duplicates ?? 0;
            return new DayFeedResult(count, events, referenceRows, clocks, bytes, clock.Elapsed, count - duplicates, duplicates);

            async ValueTask SendAsync(FeedMessage m, bool last)
            {
                if (m.Kind == FeedMessageKind.Clock && _options.Speed > 0) await pace.WaitAsync(m.Time, cancellationToken).ConfigureAwait(false);
                count++;
                bytes += m.Payload.Length;
                switch (m.Kind)
                {
                    case FeedMessageKind.Reference: referenceRows += m.Rows; break;
                    case FeedMessageKind.Clock: clocks++; break;
                    default: events += m.Rows; break;
                }
                long position = count - 1;
                bool sync = verifier is not null && (last || count % _options.SyncEvery == 0);
                headers[StoredMessages.MsgIdHeader] = m.MsgId;
                await _connection.PublishAsync(m.Subject, m.Payload, headers,
                                               sync ? inbox + "." + position.ToString(CultureInfo.InvariantCulture) : null,
                                               cancellationToken: cancellationToken).ConfigureAwait(false);
                if (sync)
                {
                    pending.Enqueue((position, m.MsgId));
                    if (pending.Count > _options.MaxSyncsInFlight) await ReceiveAckAsync().ConfigureAwait(false);
                }
                // Core NATS has no acks: a round trip now and then keeps the client's buffer bounded.
                if (verifier is null && count % 65536 == 0) await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
                if (m.Kind == FeedMessageKind.Clock) _options.OnClock?.Invoke(m.Time, count, events);
            }

            async ValueTask ReceiveAckAsync()
            {
                var (position, msgId) = pending.Dequeue();
                NatsMsg<byte[]> reply;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timeout.CancelAfter(_options.AckTimeout);
                    try
                    {
                        reply = await acks!.Msgs.ReadAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new IOException($"{MarketSubjects.MdStream}: no ack for message {msgId} within {_options.AckTimeout.TotalSeconds:0} s");
                    }
                }
                string expected = inbox + "." + position.ToString(CultureInfo.InvariantCulture);
                if (reply.Subject != expected)
                    throw new IOException($"{MarketSubjects.MdStream}: the ack of message {msgId} is missing (got one on {reply.Subject})");
                if (reply.HasNoResponders)
                    throw new IOException($"no JetStream stream captures the md subjects (publishing message {msgId})");
                verifier!.OnAck(position, msgId, reply.Data ?? []);
            }
        }
        finally
        {
            if (acks is not null) await acks.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Checks acks and the final stream state against "this run's new messages are contiguous, in plan order".</summary>
    private sealed class Verifier(INatsJSContext js, StreamState before)
    {
        private long _lastDuplicate = -1;
        private long _notStored = -1; // plan messages this run did not store (they were there already); -1 until known

        public long Duplicates { get; private set; }

        /// <summary>The ack of the message published at <paramref name="position"/> (0-based) of this run.</summary>
        public void OnAck(long position, string msgId, ReadOnlySpan<byte> json)
        {
            ulong seq;
            bool duplicate;
            try
            {
                var reader = new Utf8JsonReader(json);
                using var doc = JsonDocument.ParseValue(ref reader);
                var root = doc.RootElement;
                if (root.TryGetProperty("error", out var error))
                    throw new IOException($"{MarketSubjects.MdStream} refused message {msgId}: {error.GetRawText()}");
                seq = root.GetProperty("seq").GetUInt64();
                duplicate = root.TryGetProperty("duplicate", out var d) && d.ValueKind == JsonValueKind.True;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new IOException($"{MarketSubjects.MdStream}: unreadable ack for message {msgId}: {e.Message}", e);
            }
            if (duplicate)
            {
                if (_notStored >= 0)
                    throw new IOException($"{MarketSubjects.MdStream} already held message {msgId} although earlier messages were new: " +
                                          "it holds a different feed of this date; purge the stream and feed the day again");
                _lastDuplicate = position;
                return;
            }
            long notStored = position + 1 - (long)(seq - before.LastSeq);
            if (_notStored < 0)
            {
                if (notStored <= _lastDuplicate || notStored > position || notStored < 0)
                    throw Broken(msgId, seq);
                _notStored = notStored;
            }
            else if (notStored != _notStored) throw Broken(msgId, seq);
        }

        public async Task FinishAsync(long messages, CancellationToken cancellationToken)
        {
            if (_notStored < 0) _notStored = messages; // every sync point, the last message included, was a duplicate
            Duplicates = _notStored;
            var after = (await js.GetStreamAsync(MarketSubjects.MdStream, cancellationToken: cancellationToken).ConfigureAwait(false)).Info.State;
            long grown = (long)after.Messages - (long)before.Messages;
            if (grown != messages - _notStored)
                throw new IOException($"{MarketSubjects.MdStream} grew by {grown} messages, expected {messages - _notStored} " +
                                      $"({messages} published, {_notStored} already stored by an earlier run)");
        }

        private IOException Broken(string msgId, ulong seq) => new(
            $"{MarketSubjects.MdStream} stored message {msgId} at sequence {seq}, which leaves a gap in the feed " +
            $"(messages lost on the way, or another publisher wrote into the stream); purge the stream and feed the day again");
    }

    /// <summary>Wall-clock pacing by exchange time (shapes only timing, never content).</summary>
    private sealed class Pacer(DayFeedPublishOptions options)
    {
        private Stopwatch? _wall;
        private int _originMs;

        public async ValueTask WaitAsync(int clockTime, CancellationToken cancellationToken)
        {
            if (options.Speed <= 0) return;
            int ms = options.PacedMillis(ExchangeTime.ToMillis(clockTime));
            if (_wall is null)
            {
                _wall = Stopwatch.StartNew();
                _originMs = ms - 1000; // the first clock closes the first one-second window
            }
            var due = TimeSpan.FromMilliseconds((ms - _originMs) / options.Speed) - _wall.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken).ConfigureAwait(false);
        }
    }
}
