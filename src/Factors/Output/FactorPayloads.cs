using System.Buffers;
using System.Globalization;
using System.Text;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Text;

namespace Sig.Factors.Output;

/// <summary>
/// The canonical bytes of every factor output (docs/nats.md): fixed key order, symbols ascending,
/// numbers as the shortest round-trip string ("R", written by <see cref="RoundTripDouble"/>), NaN and infinities as null. The same bytes
/// are published, exported and digested, so equal digests mean byte-identical outputs.
/// </summary>
public static class FactorPayloads
{
    // Longest "R" text of a double plus its separator.
    private const int MaxNumberBytes = RoundTripDouble.MaxLength + 2;

    // The per-symbol payload's buffer, and the snapshot writer, reused by each thread (stages that
    // write every minute own a writer of their own: see SnapshotPayloadWriter).
    [ThreadStatic] private static byte[]? t_buffer;
    [ThreadStatic] private static SnapshotPayloadWriter? t_writer;

    /// <summary>`sig.factors.snapshot` (and, at minute 240, `sig.factors.daily` with kind "daily").
    /// "seq" of a snapshot is the minute's ordinal in the day, which is the same in live and replay.</summary>
    public static byte[] Snapshot(FactorSnapshot s, bool daily = false) => (t_writer ??= new SnapshotPayloadWriter()).Write(s, daily);

    /// <summary>The snapshot payload up to the values: the header fields and the symbols; returns the bytes written.</summary>
    internal static int WriteSnapshotHead(FactorSnapshot s, bool daily, Span<byte> span)
    {
        int at = 0;
        Put(span, ref at, "{\"v\":1,\"date\":\""u8);
        at += Encoding.ASCII.GetBytes(CanonicalRows.FormatDate(s.Date), span[at..]);
        Put(span, ref at, "\","u8);
        if (!daily)
        {
            Put(span, ref at, "\"minute\":"u8); PutInt(span, ref at, s.Minute);
            Put(span, ref at, ",\"seq\":"u8); PutInt(span, ref at, s.Minute);
            span[at++] = (byte)',';
        }
        Put(span, ref at, "\"symbols\":["u8);
        for (int i = 0; i < s.Symbols.Length; i++)
        {
            if (i > 0) span[at++] = (byte)',';
            span[at++] = (byte)'"';
            PutSymbol(span, ref at, s.Symbols[i]);
            span[at++] = (byte)'"';
        }
        span[at++] = (byte)']';
        span[at++] = (byte)',';
        return at;
    }

    private static void Put(Span<byte> span, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[at..]);
        at += bytes.Length;
    }

    private static void PutInt(Span<byte> span, ref int at, long v)
    {
        v.TryFormat(span[at..], out int n, default, CultureInfo.InvariantCulture);
        at += n;
    }

    private static void PutNumber(Span<byte> span, ref int at, double d)
    {
        if (!double.IsFinite(d)) { Put(span, ref at, "null"u8); return; }
        at += RoundTripDouble.Write(d, span[at..]);
    }

    // "000001.SZ" without a string: six digits, a dot, the exchange.
    private static void PutSymbol(Span<byte> span, ref int at, SymbolCode symbol)
    {
        int code = symbol.Code;
        for (int k = 5; k >= 0; k--, code /= 10) span[at + k] = (byte)('0' + code % 10);
        span[at + 6] = (byte)'.';
        string ex = symbol.Exchange;
        span[at + 7] = (byte)ex[0];
        span[at + 8] = (byte)ex[1];
        at += 9;
    }

    // "\"name\":" per factor, encoded once: the per-symbol payload writes them 5000 times a minute.
    private static readonly byte[][] FactorKeys = [.. FactorCatalog.Names.Select(n => Encoding.ASCII.GetBytes($"\"{n}\":"))];

    /// <summary>`sig.factors.intraday.&lt;sym&gt;` for symbol i of a snapshot (written into the reused per-thread buffer; only the payload is allocated).</summary>
    public static byte[] Intraday(FactorSnapshot s, int i)
    {
        var span = IntradayBuffer();
        int at = WriteIntradayHead(s, i, span);
        var row = s.Row(i);
        for (int f = 0; f < row.Length; f++)
        {
            if (f > 0) span[at++] = (byte)',';
            Put(span, ref at, FactorKeys[f]);
            PutNumber(span, ref at, row[f]);
        }
        Put(span, ref at, "}}"u8);
        return span[..at].ToArray();
    }

    /// <summary>
    /// The same bytes as <see cref="Intraday(FactorSnapshot, int)"/>, with the numbers copied from
    /// <paramref name="rowText"/>, symbol i's row in the minute's snapshot payload (what
    /// <see cref="SnapshotPayloadRows.Next"/> returns): both payloads write a number as its shortest
    /// round-trip text and a NaN or infinity as null, so the texts are the same and formatting them
    /// again (27 numbers per symbol, every minute) is not needed.
    /// </summary>
    /// <exception cref="FormatException"><paramref name="rowText"/> does not hold one text per factor.</exception>
    public static byte[] Intraday(FactorSnapshot s, int i, ReadOnlySpan<byte> rowText)
    {
        var span = IntradayBuffer();
        int at = WriteIntradayHead(s, i, span);
        var rest = rowText;
        for (int f = 0; f < FactorCatalog.Count; f++)
        {
            int comma = rest.IndexOf((byte)',');
            bool last = f == FactorCatalog.Count - 1;
            if (last != comma < 0) throw new FormatException($"symbol {i}'s row in the snapshot payload does not hold {FactorCatalog.Count} values");
            var text = last ? rest : rest[..comma];
            if (text.Length is 0 or > RoundTripDouble.MaxLength) throw new FormatException($"symbol {i}'s row in the snapshot payload has a value of {text.Length} bytes");
            if (f > 0) span[at++] = (byte)',';
            Put(span, ref at, FactorKeys[f]);
            Put(span, ref at, text);
            if (!last) rest = rest[(comma + 1)..];
        }
        Put(span, ref at, "}}"u8);
        return span[..at].ToArray();
    }

    private static Span<byte> IntradayBuffer()
    {
        const int Bound = 256 + FactorCatalog.Count * (48 + MaxNumberBytes);
        return (t_buffer is { Length: >= Bound } b ? b : t_buffer = new byte[Bound]).AsSpan();
    }

    // The intraday payload up to its first value's key; returns the bytes written.
    private static int WriteIntradayHead(FactorSnapshot s, int i, Span<byte> span)
    {
        int at = 0;
        Put(span, ref at, "{\"v\":1,\"date\":\""u8);
        at += Encoding.ASCII.GetBytes(CanonicalRows.FormatDate(s.Date), span[at..]);
        Put(span, ref at, "\",\"minute\":"u8); PutInt(span, ref at, s.Minute);
        Put(span, ref at, ",\"seq\":"u8); PutInt(span, ref at, s.LastSeq[i]);
        Put(span, ref at, ",\"symbol\":\""u8); PutSymbol(span, ref at, s.Symbols[i]);
        Put(span, ref at, "\",\"values\":{"u8);
        return at;
    }

    /// <summary>`sig.engine.digest`: the output digest chained through a minute.</summary>
    public static byte[] Digest(DateOnly date, int minute, string digestHex) => Encoding.ASCII.GetBytes(
        $"{{\"v\":1,\"date\":\"{CanonicalRows.FormatDate(date)}\",\"minute\":{minute.ToString(CultureInfo.InvariantCulture)},\"digest\":\"{digestHex}\"}}");

    /// <summary>Shortest round-trip text of a double (as .NET's "R"), or null for NaN/±∞.</summary>
    public static void Number(IBufferWriter<byte> w, double d)
    {
        if (!double.IsFinite(d)) { Ascii(w, "null"); return; }
        w.Advance(RoundTripDouble.Write(d, w.GetSpan(RoundTripDouble.MaxLength)));
    }

    /// <summary>The text form used in CSV exports: "R", NaN as an empty field.</summary>
    public static string Csv(double d) => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "";

    private static void Ascii(IBufferWriter<byte> w, string s)
    {
        var span = w.GetSpan(s.Length);
        int n = Encoding.ASCII.GetBytes(s, span);
        w.Advance(n);
    }
}
