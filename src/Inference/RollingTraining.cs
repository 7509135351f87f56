using System.Globalization;
using Sig.Models.Data;
using Sig.Models.Files;
using Sig.Models.Training;
using Sig.Data.Features;

namespace Sig.Inference;

/// <summary>Training settings besides the model's own: seeds, epochs, patience.</summary>
public sealed record TrainingPlan(int Seeds, int MaxEpochs = 100, int Patience = 10);

/// <summary>One seed's progress line: the retrain date, the seed and the epoch's figures.</summary>
public sealed record TrainingProgress(string Model, DateOnly Retrain, ulong Seed, EpochLog Epoch);

/// <summary>
/// The rolling training over a date range: a model is retrained on the first trading day of
/// January and of July within the range, and on the range's first trading day (so the range's
/// start has a model); each retrain on date R
/// reads the store only through R, samples dates T ≤ R − 11 trading days (every label known on R),
/// splits them 4:1 in time order, trains every seed and writes one model file per seed plus its
/// registry row. A seed is seed k = 1…N.
/// </summary>
public static class RollingTraining
{
    /// <summary>The retrain dates of [from, to]: the range's first trading day, then each half-year retrain after it.</summary>
    public static List<DateOnly> RetrainDates(IReadOnlyList<DateOnly> calendar, DateOnly from, DateOnly to)
    {
        int first = StoreWindow.FirstOnOrAfter(calendar, from);
        if (first >= calendar.Count || calendar[first] > to) throw new ArgumentException($"the feature store has no trading date between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}");
        var dates = new List<DateOnly> { calendar[first] };
        foreach (var r in Protocol.HalfYearRetrains(calendar, calendar[first], to)) if (r > dates[^1]) dates.Add(r);
        return dates;
    }

    /// <summary>The training and validation cross-sections of a retrain on <paramref name="retrain"/>, read from the store through R only.</summary>
    public static (IReadOnlyList<CrossSection> Train, IReadOnlyList<CrossSection> Validation) Dataset(IDailyFeatureReader store, ModelSpec spec, DateOnly retrain)
    {
        var calendar = store.TradingDates;
        int r = StoreWindow.LastOnOrBefore(calendar, retrain);
        if (r < 0) throw new ArgumentException($"the feature store has no trading date on or before {retrain:yyyy-MM-dd}");
        var samples = Protocol.SampleDates(calendar, calendar[r], spec.Input.SampleEvery, InputSpec.LabelDays, spec.Input.Lookback);
        bool styles = spec.Name == "alphanet-v2.2";
        var list = new List<CrossSection>();
        if (samples.Count > 0)
        {
            var inputs = StoreWindow.Read(store, calendar, samples[0], calendar[r], spec.Input.HistoryDays, styles);
            foreach (var date in samples)
            {
                int d = inputs.Panel.DateIndex(date);
                if (d < 0) continue;
                var cs = inputs.Build(spec.Input, d, training: true, styles);
                if (cs is { Count: >= 3 }) list.Add(cs);
            }
        }
        if (list.Count < 2)
            throw new ArgumentException($"{spec.Name}: {list.Count} usable training date(s) for a retrain on {calendar[r]:yyyy-MM-dd} " +
                $"(a date needs {spec.Input.Days} days of history, {InputSpec.LabelDays} days after it for the label, and ≥ 3 stocks)");
        var (train, valid) = Protocol.Split(list);
        return (train, valid);
    }

    /// <summary>Trains every seed for one retrain date, writes the model files under <paramref name="modelDir"/> and registers them.</summary>
    public static List<RegisteredModel> TrainRetrain(SqliteFeatureStore store, ModelSpec spec, DateOnly retrain, TrainingPlan plan, string modelDir,
        Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var (train, valid) = Dataset(store, spec, retrain);
        var all = train.Concat(valid).ToList();
        string digest = DatasetDigest.Of(all);
        var r = store.TradingDates.Last(d => d <= retrain);
        var result = new List<RegisteredModel>();
        for (ulong seed = 1; seed <= (ulong)plan.Seeds; seed++)
        {
            var net = spec.Network(seed, spec.Input);
            ulong s = seed;
            var fit = Trainer.Train(net, train, valid, new TrainingOptions(spec.LearningRate, seed, plan.MaxEpochs, plan.Patience), e => progress?.Invoke(new(spec.Name, r, s, e)), cancel);
            var header = NetworkFactory.Header(net, seed, all[0].Date, all[^1].Date, r, digest,
                new Dictionary<string, double> { ["best_epoch"] = fit.BestEpoch, ["validation_ic"] = fit.BestValidationIc, ["train_dates"] = train.Count, ["validation_dates"] = valid.Count });
            header.HyperParameters["model"] = spec.Name;
            foreach (var (k, v) in spec.Input.HeaderEntries()) header.HyperParameters[k] = v;
            string path = Path.Combine(modelDir, spec.Id, $"{spec.Id}_{r.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}_s{seed}.model");
            cancel.ThrowIfCancellationRequested();
            string sha = ModelFile.Write(path, header, net.State);
            var row = new RegisteredModel(spec.Name, seed, r, all[0].Date, all[^1].Date, Path.GetFullPath(path), sha);
            store.RegisterModel(row);
            result.Add(row);
        }
        return result;
    }
}
