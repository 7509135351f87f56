using System.Security.Cryptography;
using Sig.Gpu.Inference;
using Sig.Models.Data;
using Sig.Models.Files;
using Sig.Models.Networks;
using Sig.Models.Training;
using Sig.Data.Features;

namespace Sig.Inference;

/// <summary>One date's scores of a model: symbols ascending, one score each, and the model files used ("sha256  path").</summary>
public sealed record DateScores(DateOnly Date, string Model, string[] Symbols, float[] Scores, IReadOnlyList<string> ModelFiles);

/// <summary>A loaded model file: the network, its input spec, and the file's SHA-256.</summary>
public sealed record LoadedModel(INetwork Network, InputSpec Input, string Path, string Sha256, string Model);

/// <summary>
/// Scores dates with registered models: a date T is scored by the files of the latest retrain
/// strictly before T (all its seeds, averaged), each checked against the SHA-256 the registry
/// holds. <c>fusion</c> = (1·z(HF) + 3·z(LF)) / 4 over the symbols both scored. Loaded networks
/// are kept by SHA-256 (a file's bytes decide its scores, nothing else). The networks run on
/// <paramref name="backend"/> (the CPU models when none is given).
/// </summary>
public sealed class ModelScoring(IDailyFeatureReader store, IInferenceBackend? backend = null)
{
    private static readonly CpuInferenceBackend Cpu = new();
    private readonly Dictionary<string, LoadedModel> _loaded = new(StringComparer.Ordinal);

    /// <summary>Loads and verifies a model file (a damaged file is an <see cref="InvalidDataException"/> naming it).</summary>
    public LoadedModel Load(string path, string? expectedSha = null)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new InvalidDataException($"{path}: cannot read the model file: {e.Message}"); }
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (expectedSha is not null && sha != expectedSha)
            throw new InvalidDataException($"{path}: SHA-256 {sha} differs from the registry's {expectedSha} (file replaced or damaged)");
        if (_loaded.TryGetValue(sha, out var m)) return m;
        var (net, header) = ModelFile.Load(path);
        var input = InputSpec.FromHeader(header.HyperParameters, path);
        string name = header.HyperParameters.TryGetValue("model", out var n) ? n : header.Architecture;
        return _loaded[sha] = new LoadedModel(net, input, path, sha, name);
    }

    /// <summary>The registry rows that score <paramref name="date"/>: every seed of the latest retrain before it (empty when none).</summary>
    public IReadOnlyList<RegisteredModel> FilesFor(string model, DateOnly date)
    {
        var rows = store.RegisteredModels(model).Where(r => r.TrainedThrough < date).ToList();
        if (rows.Count == 0) return [];
        var latest = rows.Max(r => r.TrainedThrough);
        return [.. rows.Where(r => r.TrainedThrough == latest).OrderBy(r => r.Seed)];
    }

    /// <summary>Scores <paramref name="date"/> with <paramref name="model"/> (a catalog name or <c>fusion</c>); null when no model was trained before it or no stock qualifies.</summary>
    public DateScores? Score(string model, DateOnly date)
    {
        if (model == ModelCatalog.Fusion) return Fuse(date);
        var files = FilesFor(model, date);
        if (files.Count == 0) return null;
        return Score(model, date, [.. files.Select(f => Load(f.Path, f.Sha256))]);
    }

    /// <summary>Scores <paramref name="date"/> with the given loaded files (one model, several seeds); null when no stock qualifies.</summary>
    public DateScores? Score(string model, DateOnly date, IReadOnlyList<LoadedModel> models) =>
        Inputs(date, models[0].Input) is { } cs ? Predict(model, cs, models, backend) : null;

    /// <summary>The exact input cross-section the network of <paramref name="input"/> sees on <paramref name="date"/> (null when no stock qualifies).</summary>
    public CrossSection? Inputs(DateOnly date, InputSpec input)
    {
        var calendar = store.TradingDates;
        if (!calendar.Contains(date)) throw new ArgumentException($"{date:yyyy-MM-dd} is not a trading date of the feature store");
        var inputs = StoreWindow.Read(store, calendar, date, date, input.HistoryDays);
        int d = inputs.Panel.DateIndex(date);
        return inputs.Build(input, d, training: false);
    }

    /// <summary>The mean of the seeds' scores of one cross-section, the networks run on <paramref name="backend"/> (default: the CPU models).</summary>
    public static DateScores Predict(string model, CrossSection cs, IReadOnlyList<LoadedModel> models, IInferenceBackend? backend = null)
    {
        var scores = (backend ?? Cpu).Predict([.. models.Select(m => m.Network)], cs);
        return new DateScores(cs.Date, model, cs.Symbols, Scores.Mean(scores), [.. models.Select(m => $"{m.Sha256}  {m.Path}")]);
    }

    private DateScores? Fuse(DateOnly date)
    {
        var hf = Score("hf-gru", date);
        var lf = Score("lf-mtl", date);
        if (hf is null || lf is null) return null;
        var lfIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lf.Symbols.Length; i++) lfIndex[lf.Symbols[i]] = i;
        var both = Enumerable.Range(0, hf.Symbols.Length).Where(i => lfIndex.ContainsKey(hf.Symbols[i])).ToArray();
        if (both.Length == 0) return null;
        var fused = Scores.Fuse([.. both.Select(i => hf.Scores[i])], [.. both.Select(i => lf.Scores[lfIndex[hf.Symbols[i]]])]);
        return new DateScores(date, ModelCatalog.Fusion, [.. both.Select(i => hf.Symbols[i])], fused, [.. hf.ModelFiles, .. lf.ModelFiles]);
    }
}
