using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Sig.Engine.Nats;

/// <summary>Formats client-to-server protocol operations into a buffer.</summary>
internal static class NatsProtocolWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>CONNECT with the credentials; with an NKey seed, the server's <paramref name="nonce"/> signed by it (and the JWT for .creds).</summary>
    public static void WriteConnect(IBufferWriter<byte> w, NatsOptions options, string? user, string? password, string? token, string? nonce = null)
    {
        w.Write("CONNECT "u8);
        using (var json = new Utf8JsonWriter(w))
        {
            json.WriteStartObject();
            json.WriteBoolean("verbose", false);
            json.WriteBoolean("pedantic", false);
            json.WriteBoolean("tls_required", false);
            json.WriteString("name", options.Name);
            json.WriteString("lang", ".NET");
            json.WriteString("version", "1.0.0");
            json.WriteNumber("protocol", 1);
            json.WriteBoolean("echo", true);
            json.WriteBoolean("headers", true);
            json.WriteBoolean("no_responders", true);
            if (user is not null) json.WriteString("user", user);
            if (password is not null) json.WriteString("pass", password);
            if (token is not null) json.WriteString("auth_token", token);
            if (options.NKeySeed is { } seed)
            {
                if (nonce is null) throw new NatsConnectionException("the server sent no nonce to sign: it has no NKey or JWT users");
                var pair = NATS.NKeys.KeyPair.FromSeed(seed);
                var signature = new byte[64];
                pair.Sign(System.Text.Encoding.ASCII.GetBytes(nonce), signature);
                if (options.Jwt is { } jwt) json.WriteString("jwt", jwt);
                else json.WriteString("nkey", pair.GetPublicKey());
                json.WriteString("sig", Convert.ToBase64String(signature).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
            }
            json.WriteEndObject();
        }
        w.Write(Crlf);
    }

    public static void WritePing(IBufferWriter<byte> w) => w.Write("PING\r\n"u8);

    public static void WritePong(IBufferWriter<byte> w) => w.Write("PONG\r\n"u8);

    /// <summary>PUB, or HPUB when <paramref name="headers"/> is given.</summary>
    public static void WritePublish(IBufferWriter<byte> w, string subject, string? replyTo, NatsHeaders? headers,
                                    ReadOnlySpan<byte> payload, int headerLength)
    {
        w.Write(headers is null ? "PUB "u8 : "HPUB "u8);
        WriteAscii(w, subject);
        if (replyTo is not null)
        {
            w.Write(" "u8);
            WriteAscii(w, replyTo);
        }
        if (headers is not null)
        {
            w.Write(" "u8);
            WriteNumber(w, headerLength);
        }
        w.Write(" "u8);
        WriteNumber(w, headerLength + payload.Length);
        w.Write(Crlf);
        headers?.WriteTo(w);
        w.Write(payload);
        w.Write(Crlf);
    }

    public static void WriteSub(IBufferWriter<byte> w, string subject, string? queueGroup, int sid)
    {
        w.Write("SUB "u8);
        WriteAscii(w, subject);
        if (queueGroup is not null)
        {
            w.Write(" "u8);
            WriteAscii(w, queueGroup);
        }
        w.Write(" "u8);
        WriteNumber(w, sid);
        w.Write(Crlf);
    }

    /// <summary>UNSUB now (<paramref name="maxMsgs"/> null) or after that many messages in total.</summary>
    public static void WriteUnsub(IBufferWriter<byte> w, int sid, long? maxMsgs)
    {
        w.Write("UNSUB "u8);
        WriteNumber(w, sid);
        if (maxMsgs is { } max)
        {
            w.Write(" "u8);
            WriteNumber(w, max);
        }
        w.Write(Crlf);
    }

    /// <summary>Rejects subjects the server would refuse or that would break the line format.</summary>
    public static void ValidateSubject(string subject, string what = "subject")
    {
        if (string.IsNullOrEmpty(subject)) throw new ArgumentException($"{what} is empty");
        foreach (char c in subject)
            if (c <= ' ' || c == 127) throw new ArgumentException($"{what} '{subject}' contains whitespace or control characters");
    }

    private static void WriteAscii(IBufferWriter<byte> w, string text)
    {
        var span = w.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        w.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void WriteNumber(IBufferWriter<byte> w, long value)
    {
        var span = w.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        w.Advance(written);
    }
}
