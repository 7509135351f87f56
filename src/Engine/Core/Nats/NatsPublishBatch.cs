using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Sig.Engine.Nats;

/// <summary>
/// Publishes serialized ahead of time (PUB/HPUB operations in wire form), handed to
/// <see cref="NatsConnection.PublishAsync(NatsPublishBatch, CancellationToken)"/>, which appends them
/// in order under one lock acquisition. For a publisher of very many small messages (the md feed),
/// where a <see cref="NatsConnection.PublishAsync(string, ReadOnlyMemory{byte}, NatsHeaders?, string?, CancellationToken)"/>
/// per message costs a lock, a wakeup of the background flusher and often a small socket write each.
/// Not thread-safe; reusable after <see cref="Clear"/>.
/// </summary>
public sealed class NatsPublishBatch
{
    private static ReadOnlySpan<byte> Version => "NATS/1.0\r\n"u8;
    private readonly ArrayBufferWriter<byte> _buffer;

    public NatsPublishBatch(int initialCapacity = 64 * 1024) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    /// <summary>Messages added since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Wire bytes of the batch.</summary>
    public int Length => _buffer.WrittenCount;

    /// <summary>The largest message (headers plus payload), checked against the server's max_payload when published.</summary>
    public int LargestMessage { get; private set; }

    internal ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    /// <summary>Adds a publish (PUB, or HPUB when <paramref name="headers"/> is given).</summary>
    public void Add(string subject, ReadOnlySpan<byte> payload, NatsHeaders? headers = null, string? replyTo = null)
    {
        if (headers is null)
        {
            Append(subject, replyTo, default, payload);
            return;
        }
        var block = new ArrayBufferWriter<byte>(headers.SerializedLength());
        headers.WriteTo(block);
        Append(subject, replyTo, block.WrittenSpan, payload);
    }

    /// <summary>
    /// Adds an HPUB with one header line <c>name: value</c> (e.g. <c>Nats-Msg-Id</c>) without a
    /// <see cref="NatsHeaders"/> object: the same bytes as a <see cref="NatsHeaders"/> holding just that line.
    /// </summary>
    public void Add(string subject, ReadOnlySpan<byte> payload, string headerName, string headerValue, string? replyTo = null)
    {
        if (headerName.Length == 0 || headerName.AsSpan().IndexOfAnyExceptInRange('!', '~') >= 0 || headerName.Contains(':'))
            throw new ArgumentException($"header name '{headerName}' has a character not allowed in a name", nameof(headerName));
        if (headerValue.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException($"header '{headerName}' value contains CR or LF", nameof(headerValue));
        int length = Version.Length + headerName.Length + 2 + Encoding.UTF8.GetByteCount(headerValue) + 4;
        Span<byte> block = length <= 512 ? stackalloc byte[length] : new byte[length];
        Version.CopyTo(block);
        int n = Version.Length;
        n += Encoding.ASCII.GetBytes(headerName, block[n..]);
        block[n++] = (byte)':'; block[n++] = (byte)' ';
        n += Encoding.UTF8.GetBytes(headerValue, block[n..]);
        "\r\n\r\n"u8.CopyTo(block[n..]);
        Append(subject, replyTo, block, payload);
    }

    /// <summary>Empties the batch (keeps its buffer).</summary>
    public void Clear()
    {
        _buffer.ResetWrittenCount();
        Count = 0;
        LargestMessage = 0;
    }

    private void Append(string subject, string? replyTo, ReadOnlySpan<byte> headerBlock, ReadOnlySpan<byte> payload)
    {
        NatsProtocolWriter.ValidateSubject(subject);
        if (replyTo is not null) NatsProtocolWriter.ValidateSubject(replyTo, "reply subject");
        int total = headerBlock.Length + payload.Length;
        int upper = 5 + Encoding.UTF8.GetMaxByteCount(subject.Length) + 1
                    + (replyTo is null ? 0 : Encoding.UTF8.GetMaxByteCount(replyTo.Length) + 1) + 2 * 12 + 2 + total + 2;
        var span = _buffer.GetSpan(upper);
        int n;
        if (headerBlock.IsEmpty) { "PUB "u8.CopyTo(span); n = 4; }
        else { "HPUB "u8.CopyTo(span); n = 5; }
        n += Encoding.UTF8.GetBytes(subject, span[n..]);
        if (replyTo is not null)
        {
            span[n++] = (byte)' ';
            n += Encoding.UTF8.GetBytes(replyTo, span[n..]);
        }
        if (!headerBlock.IsEmpty)
        {
            span[n++] = (byte)' ';
            Utf8Formatter.TryFormat(headerBlock.Length, span[n..], out int w1);
            n += w1;
        }
        span[n++] = (byte)' ';
        Utf8Formatter.TryFormat(total, span[n..], out int w2);
        n += w2;
        span[n++] = (byte)'\r'; span[n++] = (byte)'\n';
        headerBlock.CopyTo(span[n..]);
        n += headerBlock.Length;
        payload.CopyTo(span[n..]);
        n += payload.Length;
        span[n++] = (byte)'\r'; span[n++] = (byte)'\n';
        _buffer.Advance(n);
        Count++;
        LargestMessage = Math.Max(LargestMessage, total);
    }
}
