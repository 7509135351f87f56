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

/// <summary>Big-order reconstruction settings (docs/factors.md).</summary>
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
    /// <summary>User name (overridden by SIG_NATS_USER); with <see cref="Password"/>.</summary>
    public string? User { get; init; }
    /// <summary>Password (overridden by SIG_NATS_PASSWORD). Never printed; excluded from the config hash.</summary>
    public string? Password { get; init; }
    /// <summary>Token (overridden by SIG_NATS_TOKEN). Never printed; excluded from the config hash.</summary>
    public string? Token { get; init; }
    /// <summary>File holding an NKey seed (overridden by SIG_NATS_NKEY).</summary>
    public string? NkeyFile { get; init; }
    /// <summary>A .creds file: user JWT and NKey seed (overridden by SIG_NATS_CREDS).</summary>
    public string? CredsFile { get; init; }
    /// <summary>PEM file of the CA that signed the server's certificate: the connection then requires TLS (overridden by SIG_NATS_TLS_CA).
    /// Absent unless configured, so configurations without it hash as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TlsCaFile { get; init; }

    /// <summary>These settings without secrets (the URL's user info masked, password and token blanked): what may be hashed or shown.</summary>
    public NatsOptions WithoutSecrets() => this with
    {
        Url = Sig.Engine.Nats.NatsUrl.Redact(Url),
        Password = Password is null ? null : "***",
        Token = Token is null ? null : "***",
    };

    // A record prints every property; the password and token must never show.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(JsonSerializer.Serialize(WithoutSecrets(), EngineConfig.Json));
        return true;
    }
}

/// <summary>Hardening of live md input (docs/live-hardening.md).</summary>
public sealed record LiveOptions
{
    /// <summary>
    /// Most trading seconds a clock may move ahead of the later of the previous clock and the
    /// latest accepted event (the pre-open, the lunch break and the closing auction do not
    /// count); a clock beyond is rejected. 0: no bound.
    /// </summary>
    public int MaxClockJumpSeconds { get; init; } = 300;
    /// <summary>Most a symbol's exchange seq may move ahead of its previous one (of its first row: ahead of 0); a row beyond is rejected. 0: no bound.</summary>
    public long MaxSeqJump { get; init; } = 100_000_000;
    /// <summary>Rejects published on sig.engine.rejects per md subject per exchange minute; the rest are journaled and counted as suppressed. 0: no limit.</summary>
    public int RejectsPerSubjectPerMinute { get; init; } = 10;
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
    /// <summary>
    /// Before the open (`engine live`, `bench live`, `bench replay`), run a small synthetic day through a throwaway
    /// pipeline so the code run once a minute is compiled and tiered up before the first real minute,
    /// not promoted by the runtime's tiering thread beside a step ≈ 30 minutes in (docs/configuration.md).
    /// </summary>
    public bool WarmUpBeforeOpen { get; init; } = true;
    /// <summary>
    /// Between minute steps (once every shard has finished the same minute), the pipeline starts a
    /// young collection itself when the process has allocated at least this many MiB since the last
    /// collection, so the collection the allocation budget would soon force lands outside a step
    /// (docs/factor-core-rounds.md, "Tenth round"). 0: never; collections come only when the runtime's budget runs out.
    /// </summary>
    public int CollectionPacingMiB { get; init; } = 96;
    /// <summary>
    /// A paced collection (<see cref="CollectionPacingMiB"/>) is a full one when the heap holds at least
    /// this many MiB more than the last full collection left alive, so the day's peak does not depend on
    /// when the runtime's own, larger gen2 budget runs out (docs/factor-core-rounds.md, "Twelfth round: peak
    /// memory headroom"). 0: paced collections are young ones only.
    /// </summary>
    public int FullCollectionGrowthMiB { get; init; } = 160;
    /// <summary>
    /// On Linux, a pipeline advises the collector's heap range for transparent huge pages when it is built
    /// (<see cref="Sig.Engine.Memory.GcHeapHugePages"/>): ≈ 500 times fewer page faults while the heap grows, at up
    /// to a few tens of MiB more resident memory (docs/factor-core-rounds.md, "Thirteenth round: the
    /// pipeline's own share"). Once per process; false leaves the heap on the kernel's default pages.
    /// </summary>
    public bool GcHeapHugePages { get; init; } = true;
    /// <summary>
    /// After each clock it sends, the source reads on only once every shard has handled that clock
    /// (applied its events before it and taken the minute step), so the steps get the cores instead
    /// of sharing them with the next minute's ingest. Off by default: in a replay at 5,000 × 20,000 on
    /// 2 cores it took the step's p99 from ≈ 9–10 to ≈ 8.5 ms but cost ≈ 10 % of events/s and ≈ 40 MiB
    /// of peak (docs/factor-core-rounds.md, "Fifteenth round: the minute step's core"); for a live
    /// process that weighs the step's tail above throughput. Scheduling only: outputs are the same either way.
    /// </summary>
    public bool HoldSourceDuringSteps { get; init; }
    /// <summary>
    /// Each shard runs on a thread of its own, bound on Linux to one CPU (shard i to the (i mod n)-th
    /// CPU the process may use), so two shards never take their minute steps on one core while another
    /// core runs something else. Off by default: in a replay read symbol by symbol it cost 5–16 % of
    /// events/s (a shard cannot move to an idle core); with <see cref="HoldSourceDuringSteps"/>, read
    /// minute by minute, it halved the steps over 5 ms (docs/factor-core-rounds.md, nineteenth round).
    /// For a live process that weighs the step's tail above throughput. Scheduling only: outputs are the same either way.
    /// </summary>
    public bool PinShardThreads { get; init; }
    /// <summary>
    /// A shard whose minute step is over runs the chunks of another shard's step that it has not
    /// reached yet (<c>EvaluationHelpBoard</c>), so a step's work goes to whichever shard's thread is
    /// free. Off by default: on the 2-core reference VM, read minute by minute with the source held and
    /// the shards bound, it did not lower the step's p99 (a helper taken off its CPU in mid-chunk now
    /// holds the owner instead); docs/factor-core-rounds.md, "Twenty-seventh round". Every symbol is
    /// evaluated once, by whichever thread, so outputs are the same either way.
    /// </summary>
    public bool ShareMinuteSteps { get; init; }
}

/// <summary>Persisted pipeline snapshots, so `engine live` recovers from the latest one (docs/configuration.md, docs/actors.md).</summary>
public sealed record PersistenceOptions
{
    /// <summary>The environment variable that supplies the PostgreSQL connection string when the configuration has none.</summary>
    public const string ConnectionEnvironmentVariable = "SIG_PERSISTENCE_CONNECTION";

    /// <summary>"sqlite" (the default: snapshots.db beside the journal), "postgresql" (needs a connection string) or "off".</summary>
    public string Provider { get; init; } = "sqlite";

    /// <summary>Every stage persists its state after the clock that closes each multiple of this many minutes (1..240).</summary>
    public int EveryMinutes { get; init; } = 10;

    /// <summary>PostgreSQL: an Npgsql connection string (else the environment variable); a secret, never printed or hashed.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The options without the connection string (for hashing).</summary>
    public PersistenceOptions WithoutSecrets() => this with { ConnectionString = null };
}

public sealed record ComputeOptions
{
    /// <summary>
    /// "cpu" (the SIMD reference), "ilgpu-cpu" (the GPU kernels on ILGPU's CPU accelerator), "cuda"
    /// (an NVIDIA GPU; an error without one) or "auto" (cuda when a device is present, else cpu;
    /// a device failure mid-day falls back to cpu).
    /// </summary>
    public string Backend { get; init; } = "cpu";
}

/// <summary>How the feature store is read (docs/daily-and-evaluation.md).</summary>
public sealed record FeaturesOptions
{
    /// <summary>Engine serving daily panels to evaluate, styles, bars, optimize and backtest: "duckdb" (a DuckDB mirror of the SQLite panel tables, features.duckdb) or "sqlite" (features.db directly).</summary>
    public string PanelEngine { get; init; } = "duckdb";
}

/// <summary>Settings of `engine import` for exchange-layout (vendor) files.</summary>
public sealed record ImportConfig
{
    /// <summary>Vendor column name → layout column name (e.g. "TradeTime": "TransactTime"), matched case-insensitively.</summary>
    public Dictionary<string, string> Columns { get; init; } = [];
}

/// <summary>
/// The engine's configuration (config/engine.json; every key documented in docs/configuration.md).
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
    public PersistenceOptions Persistence { get; init; } = new();
    public ComputeOptions Compute { get; init; } = new();
    public LiveOptions Live { get; init; } = new();
    /// <summary>Absent unless configured, so configurations without it hash as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImportConfig? Import { get; init; }
    public PortfolioOptions Portfolio { get; init; } = new();
    public FeaturesOptions Features { get; init; } = new();
    /// <summary>The inference close stage; absent unless configured, so configurations without it hash as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public InferenceOptions? Inference { get; init; }

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
    // Credentials are not configuration of the outputs, and a hash of a password can be brute-forced.
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this with { Nats = Nats.WithoutSecrets(), Persistence = Persistence.WithoutSecrets() }, Json))));
}
