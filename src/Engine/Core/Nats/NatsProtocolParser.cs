using System.Buffers.Text;

namespace Sig.Engine.Nats;

/// <summary>Kinds of protocol operations a server sends.</summary>
internal enum ServerOpKind { Info, Msg, HMsg, Ping, Pong, Ok, Err }

/// <summary>
/// One parsed server operation. Every span points into the receive buffer, so nothing is
/// copied until the connection decides what to keep (the payload, a subject it has not seen).
/// </summary>
internal ref struct ServerOp
{
    public ServerOpKind Kind;
    public ReadOnlySpan<byte> Subject;
    public int Sid;
    public ReadOnlySpan<byte> ReplyTo;
    public ReadOnlySpan<byte> Headers;
    public ReadOnlySpan<byte> Payload;
    /// <summary>INFO's JSON or -ERR's message (quotes removed).</summary>
    public ReadOnlySpan<byte> Text;
}

/// <summary>Parser of the NATS server-to-client text protocol over a contiguous buffer.</summary>
internal static class NatsProtocolParser
{
    /// <summary>A control line longer than this without CRLF is a broken stream, not a slow one.</summary>
    public const int MaxControlLine = 64 * 1024;

    /// <summary>
    /// Parses the first complete operation of <paramref name="buffer"/>. Returns false when
    /// the buffer holds only part of one (read more and call again).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out ServerOp op, out int consumed)
    {
        op = default;
        consumed = 0;
        int eol = buffer.IndexOf("\r\n"u8);
        if (eol < 0)
        {
            if (buffer.Length > MaxControlLine) throw new NatsProtocolException("control line too long");
            return false;
        }
        var line = buffer[..eol];
        int lineEnd = eol + 2;
        int sp = line.IndexOfAny((byte)' ', (byte)'\t');
        var verb = sp < 0 ? line : line[..sp];
        var args = sp < 0 ? ReadOnlySpan<byte>.Empty : line[(sp + 1)..];

        if (EqualsIgnoreCase(verb, "MSG"u8) || EqualsIgnoreCase(verb, "HMSG"u8))
        {
            bool withHeaders = verb.Length == 4;
            return TryParseMessage(buffer, args, lineEnd, withHeaders, ref op, out consumed);
        }
        consumed = lineEnd;
        if (EqualsIgnoreCase(verb, "PING"u8)) op.Kind = ServerOpKind.Ping;
        else if (EqualsIgnoreCase(verb, "PONG"u8)) op.Kind = ServerOpKind.Pong;
        else if (EqualsIgnoreCase(verb, "+OK"u8)) op.Kind = ServerOpKind.Ok;
        else if (EqualsIgnoreCase(verb, "-ERR"u8))
        {
            op.Kind = ServerOpKind.Err;
            op.Text = args.Trim((byte)' ').Trim((byte)'\'');
        }
        else if (EqualsIgnoreCase(verb, "INFO"u8))
        {
            op.Kind = ServerOpKind.Info;
            op.Text = args.Trim((byte)' ');
        }
        else throw new NatsProtocolException($"unknown server operation '{System.Text.Encoding.ASCII.GetString(verb)}'");
        return true;
    }

    private static bool TryParseMessage(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> args, int lineEnd,
                                        bool withHeaders, ref ServerOp op, out int consumed)
    {
        consumed = 0;
        // MSG <subject> <sid> [reply-to] <#bytes>; HMSG <subject> <sid> [reply-to] <#hdr bytes> <#total bytes>
        Span<Range> tokens = stackalloc Range[6];
        int count = Split(args, tokens);
        int sizeTokens = withHeaders ? 2 : 1;
        if (count != 2 + sizeTokens && count != 3 + sizeTokens)
            throw new NatsProtocolException("malformed MSG/HMSG line");
        op.Kind = withHeaders ? ServerOpKind.HMsg : ServerOpKind.Msg;
        op.Subject = args[tokens[0]];
        op.Sid = ParseInt(args[tokens[1]]);
        bool hasReply = count == 3 + sizeTokens;
        op.ReplyTo = hasReply ? args[tokens[2]] : default;
        int total = ParseInt(args[tokens[count - 1]]);
        int headerSize = withHeaders ? ParseInt(args[tokens[count - 2]]) : 0;
        if (headerSize > total) throw new NatsProtocolException("HMSG header size exceeds total size");
        int end = lineEnd + total + 2;
        if (buffer.Length < end) return false;
        var body = buffer.Slice(lineEnd, total);
        op.Headers = body[..headerSize];
        op.Payload = body[headerSize..];
        consumed = end;
        return true;
    }

    /// <summary>Splits on runs of spaces/tabs; returns the token count (at most tokens.Length, more is an error).</summary>
    private static int Split(ReadOnlySpan<byte> args, Span<Range> tokens)
    {
        int count = 0, i = 0;
        while (i < args.Length)
        {
            while (i < args.Length && (args[i] == ' ' || args[i] == '\t')) i++;
            if (i == args.Length) break;
            int start = i;
            while (i < args.Length && args[i] != ' ' && args[i] != '\t') i++;
            if (count == tokens.Length) throw new NatsProtocolException("too many arguments in MSG line");
            tokens[count++] = new Range(start, i);
        }
        return count;
    }

    private static int ParseInt(ReadOnlySpan<byte> digits)
    {
        if (!Utf8Parser.TryParse(digits, out int value, out int used) || used != digits.Length || value < 0)
            throw new NatsProtocolException("bad number in MSG line");
        return value;
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> upper)
    {
        if (a.Length != upper.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            byte c = a[i];
            if (c >= 'a' && c <= 'z') c -= 32;
            if (c != upper[i]) return false;
        }
        return true;
    }
}
