using System.Text.Json.Serialization;

namespace Sig.Models.Files;

/// <summary>
/// The JSON header of a model file: what network it is (architecture + hyper-parameters rebuild
/// it), how it was trained (seed, date range, retrain date, digest of the training data) and its
/// validation metrics. No wall-clock fields, so the same training gives the same file bytes.
/// </summary>
public sealed record ModelHeader
{
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("hyper_parameters")] public required SortedDictionary<string, string> HyperParameters { get; init; }
    [JsonPropertyName("seed")] public ulong Seed { get; init; }
    [JsonPropertyName("train_from")] public string? TrainFrom { get; init; }
    [JsonPropertyName("train_to")] public string? TrainTo { get; init; }
    [JsonPropertyName("retrain_date")] public string? RetrainDate { get; init; }
    [JsonPropertyName("data_digest")] public string? DataDigest { get; init; }
    [JsonPropertyName("metrics")] public SortedDictionary<string, double> Metrics { get; init; } = new(StringComparer.Ordinal);
}
