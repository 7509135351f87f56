using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sig.Engine.Config;

namespace Sig.Engine.Output;

/// <summary>
/// What a run was: configuration hash, binary hash, input data hash, compute backend and SIMD
/// width (digests compare within one such configuration), seeds, workers, and the output digest.
/// Written as JSON beside every run's outputs; equal output digests mean byte-identical outputs.
/// </summary>
public sealed record RunManifest
{
    public required string Kind { get; init; }
    public required string ConfigHash { get; init; }
    public string BinaryHash { get; init; } = CachedBinaryHash.Value;
    public required string InputHash { get; init; }
    public required string Backend { get; init; }
    public int SimdWidth { get; init; } = Vector<double>.Count;
    /// <summary>The backend's device and driver/runtime version (GPU backends); absent for the CPU backend.</summary>
    public string? BackendDevice { get; init; }
    public int Workers { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }
    public ulong? Seed { get; init; }
    public long Events { get; init; }
    public long LateEvents { get; init; }
    /// <summary>Rows refused (live: of every journaled reject, each a refused message counting its rows).</summary>
    public long RejectedRows { get; init; }
    /// <summary>Live runs: reject records journaled (one per refused message); <see cref="RejectsPublished"/> + <see cref="RejectsSuppressed"/>.</summary>
    public long? RejectMessages { get; init; }
    /// <summary>Live runs: rejects published on sig.engine.rejects.</summary>
    public long? RejectsPublished { get; init; }
    /// <summary>Live runs: rejects kept off sig.engine.rejects by the per-subject rate limit (journaled and counted all the same).</summary>
    public long? RejectsSuppressed { get; init; }
    /// <summary>Live runs: the last minute closed (of <see cref="To"/>), so progress can be read from the manifest.</summary>
    public int? LastMinute { get; init; }
    /// <summary>Live runs: the journal's identity (first token of every Nats-Msg-Id).</summary>
    public string? JournalId { get; init; }
    /// <summary>Live: the journal input after which this run's recovery restored a persisted snapshot (absent: it replayed the whole journal).</summary>
    public long? RecoveredFromInput { get; init; }
    /// <summary>Live: the minute (of <see cref="RecoveredFromDate"/>) of that snapshot.</summary>
    public int? RecoveredFromMinute { get; init; }
    /// <summary>Live: the date of that snapshot.</summary>
    public string? RecoveredFromDate { get; init; }
    /// <summary>Live: journal inputs this run's recovery replayed through the pipeline.</summary>
    public long? InputsReplayed { get; init; }
    public string[] ModelFiles { get; init; } = [];
    /// <summary>The close stages that ran, in order, each with what shapes its outputs (e.g. the optimizer's solver and version).</summary>
    public string[]? CloseStages { get; init; }
    public string OutputDigest { get; init; } = "";
    /// <summary>Which outputs the digest covers: "all" (every minute and the close) or "daily" (the close only).</summary>
    public string Outputs { get; init; } = "all";
    /// <summary>Replay: the order the store was read in, "minute" or "symbol" (daily outputs only); outputs do not depend on it.</summary>
    public string? ReadOrder { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunManifest FromJson(string json) =>
        JsonSerializer.Deserialize<RunManifest>(json, Json) ?? throw new InvalidDataException("empty manifest");

    public void Write(string path)
    {
        // Replaced atomically: live rewrites it every minute while verify-replay or a monitor may read it.
        AtomicFile.WriteAllText(path, ToJson());
    }

    // The binaries do not change while the process runs; live writes a manifest every minute.
    private static readonly Lazy<string> CachedBinaryHash = new(ComputeBinaryHash);

    /// <summary>SHA-256 over the engine's own assemblies (sorted by name), so a manifest names the exact build.</summary>
    public static string ComputeBinaryHash()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in Directory.GetFiles(AppContext.BaseDirectory, "Sig.*.dll").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal))
            h.AppendData(File.ReadAllBytes(f));
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    public static RunManifest For(string kind, EngineConfig config, string inputHash, string backend, int workers) => new()
    {
        Kind = kind, ConfigHash = config.Hash, InputHash = inputHash, Backend = backend, Workers = workers,
    };
}
