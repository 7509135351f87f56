using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Sig.Engine.Nats;

/// <summary>
/// JetStream over a <see cref="NatsConnection"/>: the JSON request/reply API under
/// <c>$JS.API</c> for streams and durable pull consumers, publishing with acks and
/// de-duplication, fetching and acknowledging.
/// </summary>
public sealed class JetStreamContext
{
    private const string ApiPrefix = "$JS.API.";
    /// <summary>The header JetStream de-duplicates on.</summary>
    public const string MsgIdHeader = "Nats-Msg-Id";
    private readonly NatsConnection _connection;
    private readonly TimeSpan _apiTimeout;

    public JetStreamContext(NatsConnection connection, TimeSpan? apiTimeout = null)
    {
        _connection = connection;
        _apiTimeout = apiTimeout ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>
    /// Creates a stream, or confirms it when one with the same configuration exists
    /// (a different configuration is an API error).
    /// </summary>
    public async Task<StreamInfo> CreateStreamAsync(string name, IReadOnlyList<string> subjects, string storage = "file",
                                                    int replicas = 1, TimeSpan? duplicateWindow = null,
                                                    CancellationToken cancellationToken = default)
    {
        ValidateName(name, nameof(name));
        if (storage is not ("file" or "memory")) throw new ArgumentException("storage is 'file' or 'memory'", nameof(storage));
        var root = await ApiAsync($"STREAM.CREATE.{name}", w =>
        {
            w.WriteString("name", name);
            w.WriteStartArray("subjects");
            foreach (var s in subjects) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteString("retention", "limits");
            w.WriteString("storage", storage);
            w.WriteNumber("num_replicas", replicas);
            if (duplicateWindow is { } window) w.WriteNumber("duplicate_window", Nanos(window));
        }, cancellationToken).ConfigureAwait(false);
        return JetStreamJson.ReadStreamInfo(root);
    }

    /// <summary>Configuration and state of a stream; an API error (404, 10059) when it does not exist.</summary>
    public async Task<StreamInfo> StreamInfoAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name, nameof(name));
        return JetStreamJson.ReadStreamInfo(await ApiAsync($"STREAM.INFO.{name}", null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Deletes a stream with its messages and consumers.</summary>
    public async Task DeleteStreamAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name, nameof(name));
        await ApiAsync($"STREAM.DELETE.{name}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes to a stream subject and waits for the stream's ack. With
    /// <paramref name="msgId"/> the message carries <c>Nats-Msg-Id</c>, so a repeat within
    /// the stream's duplicate window is acked with <see cref="PubAck.Duplicate"/> and not stored.
    /// </summary>
    /// <exception cref="NatsNoRespondersException">No stream listens on <paramref name="subject"/>.</exception>
    public async Task<PubAck> PublishAsync(string subject, ReadOnlyMemory<byte> payload, string? msgId = null,
                                           NatsHeaders? headers = null, CancellationToken cancellationToken = default)
    {
        NatsHeaders? sent = headers;
        if (msgId is not null)
        {
            sent = new NatsHeaders();
            if (headers is not null)
                foreach (var h in headers) sent.Add(h.Key, h.Value);
            sent.Add(MsgIdHeader, msgId);
        }
        var reply = await _connection.RequestAsync(subject, payload, sent, _apiTimeout, cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(reply.Data);
        var root = doc.RootElement;
        JetStreamJson.ThrowIfError(root);
        return new PubAck(JetStreamJson.Str(root, "stream"), (ulong)JetStreamJson.Num(root, "seq"),
                          root.TryGetProperty("duplicate", out var d) && d.ValueKind == JsonValueKind.True);
    }

    /// <summary>
    /// Creates a durable pull consumer with explicit acks delivering the whole stream from
    /// the start, or confirms an identical existing one. Its position survives client
    /// restarts: a new connection using the same durable continues after the last ack.
    /// </summary>
    /// <remarks><c>startSeq</c>: deliver from this stream sequence on (null: the whole stream).
    /// <c>ackAll</c>: ack policy "all", acking a message acks every earlier one (one ack per batch).</remarks>
    public async Task<ConsumerInfo> CreateDurablePullConsumerAsync(string stream, string durable, string? filterSubject = null,
                                                                   TimeSpan? ackWait = null, int maxAckPending = 1000,
                                                                   ulong? startSeq = null, bool ackAll = false,
                                                                   CancellationToken cancellationToken = default)
    {
        ValidateName(stream, nameof(stream));
        ValidateName(durable, nameof(durable));
        var root = await ApiAsync($"CONSUMER.DURABLE.CREATE.{stream}.{durable}", w =>
        {
            w.WriteString("stream_name", stream);
            w.WriteStartObject("config");
            w.WriteString("durable_name", durable);
            if (startSeq is { } seq)
            {
                w.WriteString("deliver_policy", "by_start_sequence");
                w.WriteNumber("opt_start_seq", seq);
            }
            else w.WriteString("deliver_policy", "all");
            w.WriteString("ack_policy", ackAll ? "all" : "explicit");
            w.WriteNumber("ack_wait", Nanos(ackWait ?? TimeSpan.FromSeconds(30)));
            w.WriteNumber("max_ack_pending", maxAckPending);
            w.WriteString("replay_policy", "instant");
            if (filterSubject is not null) w.WriteString("filter_subject", filterSubject);
            w.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false);
        return JetStreamJson.ReadConsumerInfo(root);
    }

    /// <summary>A consumer's state. Acks are asynchronous: flush the connection first to see your own.</summary>
    public async Task<ConsumerInfo> ConsumerInfoAsync(string stream, string durable, CancellationToken cancellationToken = default)
    {
        ValidateName(stream, nameof(stream));
        ValidateName(durable, nameof(durable));
        return JetStreamJson.ReadConsumerInfo(
            await ApiAsync($"CONSUMER.INFO.{stream}.{durable}", null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Deletes a consumer.</summary>
    public async Task DeleteConsumerAsync(string stream, string durable, CancellationToken cancellationToken = default)
    {
        ValidateName(stream, nameof(stream));
        ValidateName(durable, nameof(durable));
        await ApiAsync($"CONSUMER.DELETE.{stream}.{durable}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Pulls up to <paramref name="batch"/> messages. With <paramref name="expires"/> zero
    /// it returns at once with what is available; otherwise the server holds the request up
    /// to <paramref name="expires"/> while fewer than <paramref name="batch"/> have come.
    /// The server's end-of-batch statuses (404 no messages, 408 request timeout, 409) end
    /// the batch; they are not errors. Ack each message after processing it.
    /// </summary>
    public async Task<IReadOnlyList<JsMsg>> FetchAsync(string stream, string durable, int batch, TimeSpan expires,
                                                       CancellationToken cancellationToken = default)
    {
        ValidateName(stream, nameof(stream));
        ValidateName(durable, nameof(durable));
        // The batch arrives on a subscription that holds at most PendingLimit messages.
        if (batch <= 0 || batch > _connection.Options.PendingLimit)
            throw new ArgumentOutOfRangeException(nameof(batch), $"must be 1..{_connection.Options.PendingLimit} (the connection's PendingLimit)");
        await using var inbox = await _connection.SubscribeAsync(_connection.NewInbox(), cancellationToken: cancellationToken)
                                                 .ConfigureAwait(false);
        byte[] request = Json(w =>
        {
            w.WriteNumber("batch", batch);
            if (expires > TimeSpan.Zero) w.WriteNumber("expires", Nanos(expires));
            else w.WriteBoolean("no_wait", true);
        });
        await _connection.PublishAsync($"{ApiPrefix}CONSUMER.MSG.NEXT.{stream}.{durable}", request, null, inbox.Subject, cancellationToken)
                         .ConfigureAwait(false);

        // The server always ends a short batch with a status, so this bound only matters when
        // the consumer does not exist (no answer at all) or the connection drops.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter((expires > TimeSpan.Zero ? expires : TimeSpan.Zero) + _apiTimeout);
        var messages = new List<JsMsg>(Math.Min(batch, 1024));
        try
        {
            while (messages.Count < batch)
            {
                var msg = await inbox.Messages.ReadAsync(deadline.Token).ConfigureAwait(false);
                int status = msg.StatusCode;
                if (status is 404 or 408 or 409 && msg.Data.IsEmpty)
                {
                    if (status == 409 && msg.Headers!.StatusDescription.Contains("Deleted", StringComparison.OrdinalIgnoreCase))
                        throw new NatsJetStreamApiException(409, 0, msg.Headers.StatusDescription);
                    break;
                }
                if (status == 100) continue; // idle heartbeat
                if (!JsMsgMetadata.TryParse(msg.ReplyTo, out var meta))
                    throw new NatsProtocolException($"fetched message without a JetStream ack subject (status {status})");
                messages.Add(new JsMsg(msg.Subject, msg.ReplyTo!, msg.Headers, msg.Data, meta));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // No end-of-batch status in time: return what arrived.
        }
        return messages;
    }

    /// <summary>Acknowledges a fetched message (asynchronous on the server; flush before reading consumer state).</summary>
    public ValueTask AckAsync(JsMsg msg, CancellationToken cancellationToken = default) =>
        _connection.PublishAsync(msg.ReplyTo, "+ACK"u8.ToArray(), null, null, cancellationToken);

    /// <summary>Negative ack: redeliver now, or after <paramref name="delay"/>.</summary>
    public ValueTask NakAsync(JsMsg msg, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        byte[] body = delay is { } d ? Encoding.ASCII.GetBytes($"-NAK {{\"delay\":{Nanos(d)}}}") : "-NAK"u8.ToArray();
        return _connection.PublishAsync(msg.ReplyTo, body, null, null, cancellationToken);
    }

    /// <summary>Still working on it: restarts the message's ack wait.</summary>
    public ValueTask InProgressAsync(JsMsg msg, CancellationToken cancellationToken = default) =>
        _connection.PublishAsync(msg.ReplyTo, "+WPI"u8.ToArray(), null, null, cancellationToken);

    /// <summary>Never redeliver this message.</summary>
    public ValueTask TermAsync(JsMsg msg, CancellationToken cancellationToken = default) =>
        _connection.PublishAsync(msg.ReplyTo, "+TERM"u8.ToArray(), null, null, cancellationToken);

    /// <summary>
    /// Every message stored in a stream (optionally only those matching
    /// <paramref name="filterSubject"/>), in sequence order, read one by one with the
    /// direct get API. Meant for tests and tools, not for consuming.
    /// </summary>
    public async Task<IReadOnlyList<StoredMsg>> GetMessagesAsync(string stream, string? filterSubject = null,
                                                                 CancellationToken cancellationToken = default)
    {
        ValidateName(stream, nameof(stream));
        var result = new List<StoredMsg>();
        ulong seq = 1;
        while (true)
        {
            JsonElement root;
            try
            {
                root = await ApiAsync($"STREAM.MSG.GET.{stream}", w =>
                {
                    w.WriteNumber("seq", seq);
                    w.WriteString("next_by_subj", filterSubject ?? ">");
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (NatsJetStreamApiException e) when (e.Code == 404 && e.ErrorCode == 10037)
            {
                return result; // no message at or after seq
            }
            var stored = JetStreamJson.ReadStoredMsg(root.GetProperty("message"));
            result.Add(stored);
            seq = stored.Seq + 1;
        }
    }

    /// <summary>The last message stored on <paramref name="subject"/> (no wildcards), or null when there is none.</summary>
    public async Task<StoredMsg?> GetLastMessageAsync(string stream, string subject, CancellationToken cancellationToken = default)
    {
        ValidateName(stream, nameof(stream));
        JsonElement root;
        try
        {
            root = await ApiAsync($"STREAM.MSG.GET.{stream}", w => w.WriteString("last_by_subj", subject), cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJetStreamApiException e) when (e.Code == 404)
        {
            return null;
        }
        return JetStreamJson.ReadStoredMsg(root.GetProperty("message"));
    }

    private async Task<JsonElement> ApiAsync(string operation, Action<Utf8JsonWriter>? body, CancellationToken cancellationToken)
    {
        byte[] request = body is null ? [] : Json(body);
        NatsMsg reply;
        try
        {
            reply = await _connection.RequestAsync(ApiPrefix + operation, request, null, _apiTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsNoRespondersException e)
        {
            throw new NatsException("JetStream is not enabled on the server (no responders on $JS.API)", e);
        }
        using var doc = JsonDocument.Parse(reply.Data);
        var root = doc.RootElement.Clone();
        JetStreamJson.ThrowIfError(root);
        return root;
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static long Nanos(TimeSpan t) => t.Ticks * 100;

    /// <summary>Stream and consumer names become subject tokens, so they cannot hold separators or wildcards.</summary>
    private static void ValidateName(string name, string parameter)
    {
        if (string.IsNullOrEmpty(name) || name.AsSpan().IndexOfAny(". *>\t\r\n") >= 0)
            throw new ArgumentException($"'{name}' is not a valid stream/consumer name", parameter);
    }
}
