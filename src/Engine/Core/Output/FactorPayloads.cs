using System.Buffers;
using System.Globalization;
using System.Text;
using Sig.Engine.Events;
using Sig.Engine.Factors;
using Sig.Engine.Text;

namespace Sig.Engine.Output;

/// <summary>
/// The canonical bytes of every factor output (docs/nats.md): fixed key order, symbols ascending,
/// numbers as the shortest round-trip string ("R"), NaN and infinities as null. The same bytes
/// are published, exported and digested, so equal digests mean byte-identical outputs.
/// </summary>
public static class FactorPayloads
{
    /// <summary>`sig.factors.snapshot` (and, at minute 240, `sig.factors.daily` with kind "daily").
    /// "seq" of a snapshot is the minute's ordinal in the day, which is the same in live and replay.</summary>
    public static byte[] Snapshot(FactorSnapshot s, bool daily = false)
    {
        var w = new ArrayBufferWriter<byte>(64 + s.Symbols.Length * (FactorCatalog.Count * 12 + 16));
        Ascii(w, "{\"v\":1,\"date\":\"");
        Ascii(w, CanonicalRows.FormatDate(s.Date));
        Ascii(w, "\",");
        if (!daily) { Ascii(w, "\"minute\":"); Int(w, s.Minute); Ascii(w, ",\"seq\":"); Int(w, s.Minute); Ascii(w, ","); }
        Ascii(w, "\"symbols\":[");
        for (int i = 0; i < s.Symbols.Length; i++) { if (i > 0) Ascii(w, ","); Ascii(w, "\""); Ascii(w, s.Symbols[i].ToString()); Ascii(w, "\""); }
        Ascii(w, "],\"factors\":[");
        for (int f = 0; f < FactorCatalog.Count; f++) { if (f > 0) Ascii(w, ","); Ascii(w, "\""); Ascii(w, FactorCatalog.Names[f]); Ascii(w, "\""); }
        Ascii(w, "],\"values\":[");
        for (int i = 0; i < s.Symbols.Length; i++)
        {
            if (i > 0) Ascii(w, ",");
            Ascii(w, "[");
            var row = s.Row(i);
            for (int f = 0; f < row.Length; f++) { if (f > 0) Ascii(w, ","); Number(w, row[f]); }
            Ascii(w, "]");
        }
        Ascii(w, "]}");
        return w.WrittenSpan.ToArray();
    }

    /// <summary>`sig.factors.intraday.&lt;sym&gt;` for symbol i of a snapshot.</summary>
    public static byte[] Intraday(FactorSnapshot s, int i)
    {
        var w = new ArrayBufferWriter<byte>(1024);
        Ascii(w, "{\"v\":1,\"date\":\"");
        Ascii(w, CanonicalRows.FormatDate(s.Date));
        Ascii(w, "\",\"minute\":"); Int(w, s.Minute);
        Ascii(w, ",\"seq\":"); Int(w, s.LastSeq[i]);
        Ascii(w, ",\"symbol\":\""); Ascii(w, s.Symbols[i].ToString());
        Ascii(w, "\",\"values\":{");
        var row = s.Row(i);
        for (int f = 0; f < row.Length; f++)
        {
            if (f > 0) Ascii(w, ",");
            Ascii(w, "\""); Ascii(w, FactorCatalog.Names[f]); Ascii(w, "\":");
            Number(w, row[f]);
        }
        Ascii(w, "}}");
        return w.WrittenSpan.ToArray();
    }

    /// <summary>`sig.engine.digest`: the output digest chained through a minute.</summary>
    public static byte[] Digest(DateOnly date, int minute, string digestHex) => Encoding.ASCII.GetBytes(
        $"{{\"v\":1,\"date\":\"{CanonicalRows.FormatDate(date)}\",\"minute\":{minute.ToString(CultureInfo.InvariantCulture)},\"digest\":\"{digestHex}\"}}");

    /// <summary>Shortest round-trip text of a double (as .NET's "R"), or null for NaN/±∞.</summary>
    public static void Number(IBufferWriter<byte> w, double d)
    {
        if (!double.IsFinite(d)) { Ascii(w, "null"); return; }
        var span = w.GetSpan(32);
        if (!d.TryFormat(span, out int n, "R", CultureInfo.InvariantCulture)) throw new InvalidOperationException("number format");
        w.Advance(n);
    }

    /// <summary>The text form used in CSV exports: "R", NaN as an empty field.</summary>
    public static string Csv(double d) => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "";

    private static void Int(IBufferWriter<byte> w, long v)
    {
        var span = w.GetSpan(24);
        v.TryFormat(span, out int n, default, CultureInfo.InvariantCulture);
        w.Advance(n);
    }

    private static void Ascii(IBufferWriter<byte> w, string s)
    {
        var span = w.GetSpan(s.Length);
        int n = Encoding.ASCII.GetBytes(s, span);
        w.Advance(n);
    }
}
