using Sig.Inference;
using Sig.Models.Data;
using Sig.Models.Training;
using Sig.Data.Features;
using Sig.Research.Daily;
using Xunit;

namespace Sig.Inference.Tests;

[Collection(GeneratedStoreCollection.Name)]
public class StoreInputsTests(GeneratedStore market)
{
    private static CrossSection? Scoring(string db, string model, DateOnly date)
    {
        using var fs = new SqliteFeatureStore(db);
        return new ModelScoring(fs).Inputs(date, GeneratedStore.Spec(model).Input);
    }

    [Theory]
    [InlineData("hf-gru", 25)]
    [InlineData("hf-gru", 55)]
    [InlineData("lf-mtl", 55)]
    [InlineData("alphanet-v2", 55)]
    public void A_dates_inputs_are_the_same_whether_the_store_ends_there_or_runs_past_it(string model, int index)
    {
        var date = market.Dates[index];
        var full = Scoring(market.Db, model, date);
        var cut = Scoring(market.CutCopy(date), model, date);
        Assert.NotNull(full);
        Assert.NotNull(cut);
        Assert.True(full.Count >= 40, $"{full.Count} stocks");
        Assert.Equal(full.Symbols, cut.Symbols);
        Assert.Equal(full.Inputs.Count, cut.Inputs.Count);
        for (int k = 0; k < full.Inputs.Count; k++) Assert.Equal(full.Inputs[k].Data, cut.Inputs[k].Data);
        Assert.Contains(full.Inputs[0].Data, v => v != 0);
    }

    [Fact]
    public void A_dates_scores_are_the_same_whether_the_store_ends_there_or_runs_past_it()
    {
        var date = market.Dates[52];
        string cut = market.CutCopy(date);
        foreach (var model in new[] { "hf-gru", "lf-mtl", ModelCatalog.Fusion })
        {
            using var a = new SqliteFeatureStore(market.Db);
            using var b = new SqliteFeatureStore(cut);
            var full = new ModelScoring(a).Score(model, date)!;
            var ended = new ModelScoring(b).Score(model, date)!;
            Assert.Equal(full.Symbols, ended.Symbols);
            Assert.Equal(full.Scores, ended.Scores);
        }
    }

    [Fact]
    public void Training_for_a_retrain_on_R_uses_no_label_that_needs_a_day_after_R()
    {
        var spec = GeneratedStore.Spec("hf-gru");
        using var full = new SqliteFeatureStore(market.Db);
        using var cut = new SqliteFeatureStore(market.CutCopy(market.Retrain));
        var (train, valid) = RollingTraining.Dataset(full, spec, market.Retrain);
        var (train2, valid2) = RollingTraining.Dataset(cut, spec, market.Retrain);
        var all = train.Concat(valid).ToList();
        Assert.Equal(DatasetDigest.Of(all), DatasetDigest.Of(train2.Concat(valid2)));
        // The last sample's label sells at T+11, which must be on or before R.
        int lastSample = market.Dates.ToList().IndexOf(all[^1].Date);
        Assert.True(lastSample + Labels.ModelHorizon + 1 <= GeneratedStore.RetrainIndex, $"last sample {all[^1].Date} for R = {market.Retrain}");
        Assert.All(all, cs => Assert.All(cs.Labels, l => Assert.True(float.IsFinite(l))));
        Assert.True(train.Count >= 15 && valid.Count >= 4, $"{train.Count} train / {valid.Count} validation dates");
        // Time order: every validation date after every training date.
        Assert.True(train[^1].Date < valid[0].Date);
    }

    [Fact]
    public void The_hf_input_holds_each_days_preprocessed_factors_and_labels_are_standardized()
    {
        var spec = GeneratedStore.Spec("hf-gru").Input;
        using var fs = new SqliteFeatureStore(market.Db);
        var panel = fs.ReadPanel(market.Dates[0], market.Dates[^1]);
        var inputs = new StoreInputs(panel);
        int d = 30;
        var cs = inputs.Build(spec, d, training: true)!;
        // Day d's step of the window is that day's winsorized, neutralized, standardized factor (NaN → 0),
        // recomputed here from the raw panel with the preprocessing functions.
        int f = Array.IndexOf(panel.FactorNames, "early_bigorder_buy_perc"), ns = panel.Symbols.Length;
        var tradable = Universes.Tradable(panel, d);
        var x = Enumerable.Range(0, ns).Select(s => tradable[s] ? panel.Factors[f][panel.Cell(d, s)] : double.NaN).ToArray();
        Sig.Research.Preprocessing.CrossSection.Winsorize(x);
        Sig.Research.Preprocessing.CrossSection.Neutralize(x, panel.Industry.AsSpan(d * ns, ns), panel.TotalCap.AsSpan(d * ns, ns));
        Sig.Research.Preprocessing.CrossSection.Standardize(x);
        var t = cs.Inputs[0];
        for (int r = 0; r < cs.Count; r++)
        {
            int s = Array.FindIndex(panel.Symbols, c => c.ToString() == cs.Symbols[r]);
            float expected = double.IsNaN(x[s]) ? 0f : (float)x[s];
            Assert.Equal(expected, t.Data[(r * t.T + t.T - 1) * t.F + f]);
        }
        double mean = cs.Labels.Average(v => (double)v), var = cs.Labels.Average(v => ((double)v - mean) * ((double)v - mean));
        Assert.Equal(0, mean, 5);
        Assert.Equal(1, var, 4);
        // The label is the 10-day forward VWAP return of the panel, standardized: same order as the raw returns.
        var raw = Labels.ForwardReturns(panel, d, Labels.ModelHorizon);
        var rows = cs.Symbols.Select(sym => Array.FindIndex(panel.Symbols, c => c.ToString() == sym)).ToArray();
        Assert.Equal(1.0, Metrics.RankIc([.. rows.Select(s => (float)raw[s])], cs.Labels), 6);
    }
}
