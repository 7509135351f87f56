using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sig.Engine.Config;

/// <summary>How a parent order's size is measured for the big-order threshold.</summary>
public enum BigOrderSizing
{
    /// <summary>Σ amount of the order's fills (the report's trade-only rule; the default).</summary>
    Filled,
    /// <summary>price × volume of the order's 逐笔委托 row (submitted size); fills still give E, L and EL.</summary>
    Submitted,
}

/// <summary>Big-order reconstruction settings (FACTORS.md).</summary>
public sealed record BigOrderOptions
{
    /// <summary>k in θ = μ + k·σ.</summary>
    public double StdMultiple { get; init; } = 1.0;
    /// <summary>Absolute floor in CNY an order must also reach to be big.</summary>
    public double MinAmount { get; init; }
    public BigOrderSizing ClassifyBy { get; init; } = BigOrderSizing.Filled;
}

public sealed record ReplayOptions
{
    /// <summary>Shard workers for replay; outputs are merged in symbol order, so the count never changes bytes.</summary>
    public int Workers { get; init; } = 2;
}

public sealed record GeneratorOptions
{
    public int EventsPerStockDay { get; init; } = 4000;
    /// <summary>"sz" (cancels in the trade stream), "sh" (D orders) or "both" (by the symbol's exchange).</summary>
    public string CancelStyle { get; init; } = "both";
    /// <summary>Weekdays that are not trading days, YYYY-MM-DD.</summary>
    public string[] Holidays { get; init; } = [];
}

public sealed record NatsOptions
{
    public string Url { get; init; } = "nats://127.0.0.1:4222";
    public string Prefix { get; init; } = "sig";
    /// <summary>Read md through the durable JetStream stream SIG_MD (true) or a core subscription (false).</summary>
    public bool JetStream { get; init; } = true;
}

public sealed record JournalOptions
{
    /// <summary>"always" (fsync every append), "minute" (at every minute watermark), "segment" (on roll) or "never".</summary>
    public string Fsync { get; init; } = "minute";
    public long SegmentBytes { get; init; } = 64L << 20;
}

public sealed record ActorOptions
{
    public int MailboxCapacity { get; init; } = 64;
    public int SnapshotEveryMinutes { get; init; } = 30;
}

public sealed record ComputeOptions
{
    /// <summary>"cpu" (the SIMD reference) or a GPU backend name when one is built in.</summary>
    public string Backend { get; init; } = "cpu";
}

/// <summary>
/// The engine's configuration (config/engine.json; every key documented in README.md).
/// Immutable; its <see cref="Hash"/> goes into every run manifest.
/// </summary>
public sealed record EngineConfig
{
    public BigOrderOptions BigOrder { get; init; } = new();
    public ReplayOptions Replay { get; init; } = new();
    public GeneratorOptions Generator { get; init; } = new();
    public NatsOptions Nats { get; init; } = new();
    public JournalOptions Journal { get; init; } = new();
    public ActorOptions Actors { get; init; } = new();
    public ComputeOptions Compute { get; init; } = new();
    public PortfolioOptions Portfolio { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Loads a config file; unknown keys are an error so a typo never silently falls back to a default.</summary>
    public static EngineConfig Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EngineConfig>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path}: empty configuration");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>config/engine.json beside the binary, else the built-in defaults.</summary>
    public static EngineConfig LoadDefault(string? path = null)
    {
        path ??= Path.Combine(AppContext.BaseDirectory, "config", "engine.json");
        return File.Exists(path) ? Load(path) : new EngineConfig();
    }

    /// <summary>SHA-256 of the canonical JSON of the effective configuration.</summary>
    [JsonIgnore]
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json))));
}
