using Sig.Inference;
using Sig.Models.Training;
using Sig.Data.Features;
using Sig.Research.Daily;
using Xunit;

namespace Sig.Inference.Tests;

[Collection(GeneratedStoreCollection.Name)]
public class ModelTests(GeneratedStore market)
{
    [Fact]
    public void Hf_gru_and_fusion_reach_a_positive_out_of_sample_rankic_on_the_planted_signal()
    {
        using var fs = new SqliteFeatureStore(market.Db);
        var panel = fs.ReadPanel(market.Dates[0], market.Dates[^1]);
        var scoring = new ModelScoring(fs);
        var means = new Dictionary<string, double>();
        foreach (var model in new[] { "hf-gru", "lf-mtl", ModelCatalog.Fusion })
        {
            var ics = new List<double>();
            // Out of sample: every date after the retrain whose 10-day label the store holds.
            for (int d = GeneratedStore.RetrainIndex + 1; d + Labels.ModelHorizon + 1 < market.Dates.Count; d++)
            {
                var s = scoring.Score(model, market.Dates[d])!;
                Assert.All(s.ModelFiles, f => Assert.Contains("_" + market.Retrain.ToString("yyyy-MM-dd") + "_s", f));
                var label = Labels.ForwardReturns(panel, d, Labels.ModelHorizon);
                var rows = s.Symbols.Select(sym => Array.FindIndex(panel.Symbols, c => c.ToString() == sym)).ToArray();
                var keep = Enumerable.Range(0, rows.Length).Where(i => double.IsFinite(label[rows[i]])).ToArray();
                ics.Add(Metrics.RankIc([.. keep.Select(i => s.Scores[i])], [.. keep.Select(i => (float)label[rows[i]])]));
            }
            Assert.True(ics.Count >= 15, $"{ics.Count} dates");
            means[model] = ics.Average();
        }
        string all = string.Join(", ", means.Select(kv => $"{kv.Key} {kv.Value:F3}"));
        Assert.True(means["hf-gru"] > 0.02, all);
        Assert.True(means[ModelCatalog.Fusion] > 0, all);
    }

    [Fact]
    public void A_date_is_scored_by_the_latest_retrain_strictly_before_it()
    {
        using var fs = new SqliteFeatureStore(market.Db);
        var scoring = new ModelScoring(fs);
        Assert.Empty(scoring.FilesFor("hf-gru", market.Retrain));
        Assert.Null(scoring.Score("hf-gru", market.Retrain));
        var files = scoring.FilesFor("hf-gru", market.Dates[GeneratedStore.RetrainIndex + 1]);
        Assert.Equal([1UL, 2UL], files.Select(f => f.Seed));
    }

    [Fact]
    public void Training_again_with_the_same_seeds_gives_identical_model_files()
    {
        string copy = market.CutCopy(market.Dates[^1]);
        using var fs = new SqliteFeatureStore(copy);
        var again = RollingTraining.TrainRetrain(fs, GeneratedStore.Spec("hf-gru"), market.Retrain, GeneratedStore.Plan with { Seeds = 1 },
            Path.Combine(market.Root, "models-again"));
        var first = market.Models.First(m => m.Model == "hf-gru" && m.Seed == 1);
        Assert.Equal(first.Sha256, Assert.Single(again).Sha256);
        Assert.Equal(File.ReadAllBytes(first.Path), File.ReadAllBytes(again[0].Path));
    }

    [Fact]
    public void A_truncated_or_replaced_model_file_is_refused_naming_the_file()
    {
        var first = market.Models.First(m => m.Model == "hf-gru");
        using var fs = new SqliteFeatureStore(market.Db);
        string truncated = Path.Combine(market.Root, "truncated.model");
        var bytes = File.ReadAllBytes(first.Path);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => new ModelScoring(fs).Load(truncated));
        Assert.Contains(truncated, e.Message);
        Assert.Contains("not a valid model file", e.Message);
        var replaced = Assert.Throws<InvalidDataException>(() => new ModelScoring(fs).Load(first.Path, new string('0', 64)));
        Assert.Contains(first.Path, replaced.Message);
        Assert.Contains("registry", replaced.Message);
    }
}
