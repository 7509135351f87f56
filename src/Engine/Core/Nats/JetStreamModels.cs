using System.Globalization;
using System.Text.Json;

namespace Sig.Engine.Nats;

/// <summary>An error answer of the JetStream API (<c>{"error":{"code","err_code","description"}}</c>).</summary>
public sealed class NatsJetStreamApiException : NatsException
{
    public NatsJetStreamApiException(int code, int errorCode, string description)
        : base($"JetStream API error {code} ({errorCode}): {description}")
    {
        Code = code;
        ErrorCode = errorCode;
        Description = description;
    }

    /// <summary>HTTP-like status, e.g. 404, 400, 503.</summary>
    public int Code { get; }

    /// <summary>JetStream's specific error number, e.g. 10059 stream not found.</summary>
    public int ErrorCode { get; }

    public string Description { get; }
}

/// <summary>The server's acknowledgement of a JetStream publish.</summary>
/// <param name="Stream">Stream that stored the message.</param>
/// <param name="Seq">Its stream sequence (for a duplicate: the sequence of the original).</param>
/// <param name="Duplicate">True when the Nats-Msg-Id was seen within the duplicate window and nothing was stored.</param>
public sealed record PubAck(string Stream, ulong Seq, bool Duplicate);

/// <summary>A stream's configuration as the server reports it.</summary>
public sealed record StreamConfigInfo(string Name, IReadOnlyList<string> Subjects, string Storage, int Replicas, TimeSpan DuplicateWindow);

/// <summary>A stream's current contents.</summary>
public sealed record StreamState(ulong Messages, ulong Bytes, ulong FirstSeq, ulong LastSeq, int ConsumerCount);

/// <summary>Answer of <see cref="JetStreamContext.StreamInfoAsync"/> and stream creation.</summary>
public sealed record StreamInfo(StreamConfigInfo Config, StreamState State);

/// <summary>A pair of consumer and stream sequence (delivered, ack floor).</summary>
public sealed record SequencePair(ulong ConsumerSeq, ulong StreamSeq);

/// <summary>State of a durable consumer.</summary>
public sealed record ConsumerInfo(
    string Stream, string Name, string? FilterSubject, SequencePair Delivered, SequencePair AckFloor,
    long NumAckPending, long NumRedelivered, long NumWaiting, ulong NumPending);

/// <summary>A message as stored in a stream (read with <see cref="JetStreamContext.GetMessagesAsync"/>).</summary>
public sealed record StoredMsg(string Subject, ulong Seq, NatsHeaders? Headers, byte[] Data);

/// <summary>
/// What the ack subject of a delivered message says:
/// <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;sseq&gt;.&lt;cseq&gt;.&lt;ts&gt;.&lt;pending&gt;</c>
/// (or the longer form with domain and account hash).
/// </summary>
public readonly record struct JsMsgMetadata(
    string Stream, string Consumer, ulong NumDelivered, ulong StreamSeq, ulong ConsumerSeq, long TimestampNanos, ulong NumPending)
{
    public static bool TryParse(string? ackSubject, out JsMsgMetadata metadata)
    {
        metadata = default;
        if (ackSubject is null || !ackSubject.StartsWith("$JS.ACK.", StringComparison.Ordinal)) return false;
        // Token ranges, not Split: this runs for every fetched message.
        var span = ackSubject.AsSpan();
        Span<Range> t = stackalloc Range[14];
        int count = span.Split(t, '.');
        // v1: 9 tokens. v2: $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>[.<token>]
        int first = count == 9 ? 2 : count is >= 11 and <= 13 ? 4 : -1;
        if (first < 0) return false;
        var c = CultureInfo.InvariantCulture;
        if (!ulong.TryParse(span[t[first + 2]], NumberStyles.None, c, out var delivered)
            || !ulong.TryParse(span[t[first + 3]], NumberStyles.None, c, out var sseq)
            || !ulong.TryParse(span[t[first + 4]], NumberStyles.None, c, out var cseq)
            || !long.TryParse(span[t[first + 5]], NumberStyles.None, c, out var ts)
            || !ulong.TryParse(span[t[first + 6]], NumberStyles.None, c, out var pending))
            return false;
        metadata = new JsMsgMetadata(span[t[first]].ToString(), span[t[first + 1]].ToString(), delivered, sseq, cseq, ts, pending);
        return true;
    }
}

/// <summary>A message delivered by a pull consumer; ack it through <see cref="JetStreamContext"/>.</summary>
/// <param name="Subject">The subject it was published to.</param>
/// <param name="ReplyTo">The ack subject.</param>
/// <param name="Headers">Its headers, null when none.</param>
/// <param name="Data">The payload.</param>
/// <param name="Metadata">Parsed from <paramref name="ReplyTo"/>: stream sequence, delivery count, ...</param>
public sealed record JsMsg(string Subject, string ReplyTo, NatsHeaders? Headers, ReadOnlyMemory<byte> Data, JsMsgMetadata Metadata);

/// <summary>Reading API answers (<see cref="JsonElement"/>) into the records above.</summary>
internal static class JetStreamJson
{
    public static StreamInfo ReadStreamInfo(JsonElement root)
    {
        var cfg = root.GetProperty("config");
        var state = root.GetProperty("state");
        var subjects = cfg.TryGetProperty("subjects", out var s) ? s.EnumerateArray().Select(e => e.GetString()!).ToList() : new List<string>();
        return new StreamInfo(
            new StreamConfigInfo(cfg.GetProperty("name").GetString()!, subjects, Str(cfg, "storage"),
                                 (int)Num(cfg, "num_replicas"), TimeSpan.FromTicks(Num(cfg, "duplicate_window") / 100)),
            new StreamState((ulong)Num(state, "messages"), (ulong)Num(state, "bytes"), (ulong)Num(state, "first_seq"),
                            (ulong)Num(state, "last_seq"), (int)Num(state, "consumer_count")));
    }

    public static ConsumerInfo ReadConsumerInfo(JsonElement root)
    {
        var cfg = root.GetProperty("config");
        return new ConsumerInfo(
            Str(root, "stream_name"), Str(root, "name"),
            cfg.TryGetProperty("filter_subject", out var f) ? f.GetString() : null,
            Pair(root, "delivered"), Pair(root, "ack_floor"),
            Num(root, "num_ack_pending"), Num(root, "num_redelivered"), Num(root, "num_waiting"), (ulong)Num(root, "num_pending"));
    }

    /// <summary>A message of the STREAM.MSG.GET answer (headers and data base64-encoded).</summary>
    public static StoredMsg ReadStoredMsg(JsonElement m)
    {
        NatsHeaders? headers = m.TryGetProperty("hdrs", out var h) && h.ValueKind == JsonValueKind.String
            ? NatsHeaders.Parse(h.GetBytesFromBase64())
            : null;
        byte[] data = m.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String ? d.GetBytesFromBase64() : [];
        return new StoredMsg(JetStreamJson.Str(m, "subject"), (ulong)JetStreamJson.Num(m, "seq"), headers, data);
    }

    public static void ThrowIfError(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error)) return;
        throw new NatsJetStreamApiException((int)Num(error, "code"), (int)Num(error, "err_code"), Str(error, "description"));
    }

    public static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    public static long Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static SequencePair Pair(JsonElement root, string name) =>
        root.TryGetProperty(name, out var p)
            ? new SequencePair((ulong)Num(p, "consumer_seq"), (ulong)Num(p, "stream_seq"))
            : new SequencePair(0, 0);
}
