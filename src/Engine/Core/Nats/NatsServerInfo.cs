using System.Text.Json;

namespace Sig.Engine.Nats;

/// <summary>What the server announced in its INFO line.</summary>
public sealed record NatsServerInfo(
    string ServerId, string Version, int Protocol, long MaxPayload, bool Headers, bool JetStream,
    bool AuthRequired, IReadOnlyList<string> ConnectUrls)
{
    /// <summary>The challenge an NKey or .creds client signs (present when the server has NKey users).</summary>
    public string? Nonce { get; init; }

    internal static NatsServerInfo Parse(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var root = doc.RootElement;
        string Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        bool Bool(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
        long Num(string name, long fallback) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : fallback;
        var urls = new List<string>();
        if (root.TryGetProperty("connect_urls", out var u) && u.ValueKind == JsonValueKind.Array)
            foreach (var e in u.EnumerateArray()) urls.Add(e.GetString() ?? "");
        // 1 MiB is the server's default when an old server leaves max_payload out.
        return new NatsServerInfo(Str("server_id"), Str("version"), (int)Num("proto", 0), Num("max_payload", 1024 * 1024),
                                  Bool("headers"), Bool("jetstream"), Bool("auth_required"), urls)
        {
            Nonce = Str("nonce") is { Length: > 0 } nonce ? nonce : null,
        };
    }
}
