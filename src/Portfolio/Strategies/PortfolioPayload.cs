using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Portfolio.Strategies;

/// <summary>
/// The canonical bytes of the stage's messages (docs/nats.md rules: keys in a fixed order, no
/// whitespace, symbols ascending, numbers as the shortest round-trip text, NaN as null), and
/// the reader of a model's <c>signals.&lt;model&gt;</c> payload that a strategy takes its α from.
/// </summary>
public static class PortfolioPayload
{
    /// <summary>
    /// <c>{"v":1,"date":"…","strategy":"…","symbols":[…],"weights":[…],"turnover":x,"status":"optimal"}</c>.
    /// <paramref name="symbols"/> must be ascending (ordinal).
    /// </summary>
    public static byte[] Targets(DateOnly date, string strategy, IReadOnlyList<string> symbols, IReadOnlyList<double> weights, double turnover, string status)
    {
        if (symbols.Count != weights.Count) throw new ArgumentException($"portfolio payload: {symbols.Count} symbols, {weights.Count} weights");
        for (int i = 1; i < symbols.Count; i++)
            if (string.CompareOrdinal(symbols[i - 1], symbols[i]) >= 0) throw new ArgumentException($"portfolio payload: symbols not ascending at {symbols[i]}");
        var w = new ArrayBufferWriter<byte>(96 + symbols.Count * 36);
        Ascii(w, "{\"v\":1,\"date\":\"");
        Ascii(w, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Ascii(w, "\",\"strategy\":");
        Str(w, strategy);
        Ascii(w, ",\"symbols\":[");
        for (int i = 0; i < symbols.Count; i++) { if (i > 0) Ascii(w, ","); Str(w, symbols[i]); }
        Ascii(w, "],\"weights\":[");
        for (int i = 0; i < weights.Count; i++) { if (i > 0) Ascii(w, ","); FactorPayloads.Number(w, weights[i]); }
        Ascii(w, "],\"turnover\":");
        FactorPayloads.Number(w, turnover);
        Ascii(w, ",\"status\":");
        Str(w, status);
        Ascii(w, "}");
        return w.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads <c>{"v":1,"date":"…","model":"…","symbols":[…],"scores":[…]}</c> (null scores are NaN)
    /// into symbol → score; throws <see cref="InvalidDataException"/> naming what is wrong.
    /// </summary>
    public static (DateOnly Date, string Model, Dictionary<string, double> Scores) ReadSignals(ReadOnlySpan<byte> payload, string kind)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (!root.TryGetProperty("v", out var v) || v.GetInt32() != 1) throw new InvalidDataException($"{kind}: expected \"v\":1");
            var date = DateOnly.ParseExact(root.GetProperty("date").GetString() ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture);
            string model = root.GetProperty("model").GetString() ?? "";
            var symbols = root.GetProperty("symbols");
            var scores = root.GetProperty("scores");
            if (symbols.GetArrayLength() != scores.GetArrayLength())
                throw new InvalidDataException($"{kind}: {symbols.GetArrayLength()} symbols but {scores.GetArrayLength()} scores");
            var map = new Dictionary<string, double>(StringComparer.Ordinal);
            int i = 0;
            foreach (var (s, x) in symbols.EnumerateArray().Zip(scores.EnumerateArray()))
            {
                string symbol = s.GetString() ?? throw new InvalidDataException($"{kind}: symbol {i} is not a string");
                if (!map.TryAdd(symbol, x.ValueKind == JsonValueKind.Null ? double.NaN : x.GetDouble()))
                    throw new InvalidDataException($"{kind}: symbol {symbol} twice");
                i++;
            }
            return (date, model, map);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{kind}: not a signals payload ({ex.Message})", ex);
        }
    }

    private static void Str(IBufferWriter<byte> w, string s)
    {
        // Strategy names and symbols are plain ASCII (validated); the encoder keeps any other text valid JSON.
        var json = JsonSerializer.SerializeToUtf8Bytes(s);
        w.Write(json);
    }

    private static void Ascii(IBufferWriter<byte> w, string s) => w.Write(Encoding.ASCII.GetBytes(s));
}
