using System.Buffers;
using System.Buffers.Text;
using System.Collections;
using System.Text;

namespace Sig.Engine.Nats;

/// <summary>
/// The header block of an HPUB/HMSG (<c>NATS/1.0[ status[ description]]</c>, then
/// <c>Name: value</c> lines). Names keep their case and order; a name may repeat; lookups
/// ignore case. A status line (e.g. <c>NATS/1.0 503</c>) sets <see cref="StatusCode"/>.
/// </summary>
public sealed class NatsHeaders : IEnumerable<KeyValuePair<string, string>>
{
    private static ReadOnlySpan<byte> Version => "NATS/1.0"u8;
    private readonly List<KeyValuePair<string, string>> _entries = new();

    /// <summary>Status code of the status line, 0 when there is none.</summary>
    public int StatusCode { get; private set; }

    /// <summary>Text after the status code (e.g. <c>No Messages</c>), empty when none.</summary>
    public string StatusDescription { get; private set; } = "";

    /// <summary>Number of header lines.</summary>
    public int Count => _entries.Count;

    /// <summary>Appends a header line; names may repeat.</summary>
    public NatsHeaders Add(string name, string value)
    {
        ValidateName(name);
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException($"header '{name}' value contains CR or LF", nameof(value));
        _entries.Add(new(name, value));
        return this;
    }

    /// <summary>First value of <paramref name="name"/>.</summary>
    public bool TryGetValue(string name, out string value)
    {
        foreach (var e in _entries)
            if (string.Equals(e.Key, name, StringComparison.OrdinalIgnoreCase)) { value = e.Value; return true; }
        value = "";
        return false;
    }

    /// <summary>Every value of <paramref name="name"/> in order.</summary>
    public IReadOnlyList<string> GetAll(string name) =>
        _entries.Where(e => string.Equals(e.Key, name, StringComparison.OrdinalIgnoreCase)).Select(e => e.Value).ToList();

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Bytes of the serialized block, CRLFs and the terminating blank line included.</summary>
    public int SerializedLength()
    {
        int n = Version.Length + 2 + 2;
        foreach (var e in _entries)
            n += Encoding.UTF8.GetByteCount(e.Key) + 2 + Encoding.UTF8.GetByteCount(e.Value) + 2;
        return n;
    }

    /// <summary>Writes the block as HPUB expects it.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(SerializedLength());
        Version.CopyTo(span);
        int n = Version.Length;
        span[n++] = (byte)'\r'; span[n++] = (byte)'\n';
        foreach (var e in _entries)
        {
            n += Encoding.UTF8.GetBytes(e.Key, span[n..]);
            span[n++] = (byte)':'; span[n++] = (byte)' ';
            n += Encoding.UTF8.GetBytes(e.Value, span[n..]);
            span[n++] = (byte)'\r'; span[n++] = (byte)'\n';
        }
        span[n++] = (byte)'\r'; span[n++] = (byte)'\n';
        writer.Advance(n);
    }

    /// <summary>Parses a header block as received in HMSG (or base64-decoded from a stream message).</summary>
    public static NatsHeaders Parse(ReadOnlySpan<byte> block)
    {
        var headers = new NatsHeaders();
        int eol = block.IndexOf("\r\n"u8);
        var statusLine = eol < 0 ? block : block[..eol];
        if (!statusLine.StartsWith(Version))
            throw new NatsProtocolException("header block does not start with NATS/1.0");
        var rest = statusLine[Version.Length..].Trim((byte)' ');
        if (!rest.IsEmpty)
        {
            int sp = rest.IndexOf((byte)' ');
            var code = sp < 0 ? rest : rest[..sp];
            if (!Utf8Parser.TryParse(code, out int status, out int used) || used != code.Length)
                throw new NatsProtocolException("bad status code in header block");
            headers.StatusCode = status;
            if (sp >= 0) headers.StatusDescription = Encoding.UTF8.GetString(rest[(sp + 1)..].Trim((byte)' '));
        }
        if (eol < 0) return headers;
        var lines = block[(eol + 2)..];
        while (!lines.IsEmpty)
        {
            int end = lines.IndexOf("\r\n"u8);
            var line = end < 0 ? lines : lines[..end];
            lines = end < 0 ? default : lines[(end + 2)..];
            if (line.IsEmpty) continue;
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) throw new NatsProtocolException("header line without a name");
            headers._entries.Add(new(Encoding.UTF8.GetString(line[..colon]),
                                     Encoding.UTF8.GetString(line[(colon + 1)..].Trim((byte)' '))));
        }
        return headers;
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0) throw new ArgumentException("header name is empty", nameof(name));
        foreach (char c in name)
            if (c <= ' ' || c == ':' || c >= 127)
                throw new ArgumentException($"header name '{name}' has a character not allowed in a name", nameof(name));
    }
}
