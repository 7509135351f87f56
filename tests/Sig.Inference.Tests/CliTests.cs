using System.Globalization;
using System.Text.Json;
using Sig.Engine.Host;
using Sig.Inference;
using Sig.Engine.Events;
using Sig.Data.Features;
using Xunit;

namespace Sig.Inference.Tests;

/// <summary>`engine train`, `predict` and `evaluate --scores` on a copy of the generated store.</summary>
[Collection(GeneratedStoreCollection.Name)]
public class CliTests(GeneratedStore market)
{
    private static string D(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public void Train_registers_a_model_and_predict_writes_scores_and_the_exact_inputs()
    {
        string dir = Directory.CreateTempSubdirectory("sig-inference-cli-").FullName;
        string db = Path.Combine(dir, "features.db");
        File.Copy(market.CutCopy(market.Dates[^1]), db);
        using (var fs = new SqliteFeatureStore(db)) Assert.Equal(2, fs.RegisteredModels("hf-gru").Count(m => m.TrainedThrough == market.Retrain));
        var r = market.Dates[30];
        Assert.Equal(0, Cli.Run(["train", "--model", "hf-gru", "--store", dir, "--from", D(r), "--to", D(r), "--seeds", "1", "--epochs", "2",
            "--days", "10", "--every", "1", "--hidden", "8"]));
        using (var fs = new SqliteFeatureStore(db))
        {
            var row = Assert.Single(fs.RegisteredModels("hf-gru"), m => m.TrainedThrough == r);
            Assert.True(File.Exists(row.Path));
            Assert.StartsWith(Path.Combine(dir, "models", "hf_gru"), row.Path);
            Assert.True(row.TrainTo <= market.Dates[30 - 11], $"last sample {row.TrainTo}");
        }

        // A date between the two retrains is scored by the one on day 30; each seed of the day-40 retrain scores later dates.
        var date = market.Dates[35];
        string csv = Path.Combine(dir, "scores.csv"), dump = Path.Combine(dir, "inputs.json");
        Assert.Equal(0, Cli.Run(["predict", "--model", "hf-gru", "--store", dir, "--date", D(date), "--out", csv, "--dump-inputs", dump]));
        var lines = File.ReadAllLines(csv);
        Assert.Equal("date,symbol,score", lines[0]);
        var doc = JsonDocument.Parse(File.ReadAllText(dump)).RootElement;
        var symbols = doc.GetProperty("symbols").EnumerateArray().Select(s => s.GetString()).ToArray();
        var shape = doc.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal([symbols.Length, 10, 27], shape);
        Assert.Equal(symbols.Length * 10 * 27, doc.GetProperty("data").GetArrayLength());
        Assert.Equal(symbols.Length, lines.Length - 1);
        var scores = doc.GetProperty("scores").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        for (int i = 0; i < symbols.Length; i++)
        {
            var cells = lines[i + 1].Split(',');
            Assert.Equal([D(date), symbols[i]!], cells[..2]);
            Assert.Equal(scores[i], (float)double.Parse(cells[2], CultureInfo.InvariantCulture));
        }

        // The LF model: one tensor per frequency.
        string lfDump = Path.Combine(dir, "lf.json");
        Assert.Equal(0, Cli.Run(["predict", "--model", "lf-mtl", "--store", dir, "--date", D(market.Dates[45]), "--out", Path.Combine(dir, "lf.csv"), "--dump-inputs", lfDump]));
        var tensors = JsonDocument.Parse(File.ReadAllText(lfDump)).RootElement.GetProperty("inputs").EnumerateArray()
            .Select(t => t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToList();
        Assert.Equal(3, tensors.Count);
        Assert.Equal([10, 5, 2], tensors.Select(t => t[1]));
        Assert.All(tensors, t => Assert.Equal(6, t[2]));

        // One file, one seed; a truncated file is refused (exit 1), fusion scores need both models.
        var file = market.Models.First(m => m.Model == "hf-gru" && m.Seed == 2).Path;
        Assert.Equal(0, Cli.Run(["predict", "--model-file", file, "--store", dir, "--date", D(market.Dates[45]), "--out", Path.Combine(dir, "one.csv")]));
        string broken = Path.Combine(dir, "broken.model");
        File.WriteAllBytes(broken, File.ReadAllBytes(file)[..100]);
        Assert.Equal(1, Cli.Run(["predict", "--model-file", broken, "--store", dir, "--date", D(market.Dates[45]), "--out", Path.Combine(dir, "x.csv")]));
        Assert.False(File.Exists(Path.Combine(dir, "x.csv")));
        Assert.Equal(0, Cli.Run(["predict", "--model", "fusion", "--store", dir, "--date", D(market.Dates[45]), "--out", Path.Combine(dir, "fused.csv")]));
        // Before any retrain: a clear refusal.
        Assert.Equal(1, Cli.Run(["predict", "--model", "hf-gru", "--store", dir, "--date", D(market.Dates[20]), "--out", Path.Combine(dir, "y.csv")]));
    }

    [Fact]
    public void Evaluate_tests_a_score_table_and_a_score_csv_as_models_and_the_report_shows_them()
    {
        string dir = Directory.CreateTempSubdirectory("sig-inference-eval-").FullName;
        string db = Path.Combine(dir, "features.db");
        File.Copy(market.CutCopy(market.Dates[^1]), db);
        var csv = new System.Text.StringBuilder("date,symbol,score\n");
        using (var fs = new SqliteFeatureStore(db))
        {
            var scoring = new ModelScoring(fs);
            for (int d = GeneratedStore.RetrainIndex + 1; d < market.Dates.Count - 6; d++)
            {
                var s = scoring.Score("hf-gru", market.Dates[d])!;
                fs.WriteScores(ModelCatalog.ScoreTable("hf-gru"), s.Date, [.. s.Symbols.Select(SymbolCode.Parse)], [.. s.Scores.Select(v => (double)v)]);
                for (int i = 0; i < s.Symbols.Length; i++) csv.Append(D(s.Date)).Append(',').Append(s.Symbols[i]).Append(',').Append(((double)s.Scores[i]).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        string file = Path.Combine(dir, "hf.csv");
        File.WriteAllText(file, csv.ToString());
        string outDir = Path.Combine(dir, "eval");
        Assert.Equal(0, Cli.Run(["evaluate", "--store", dir, "--from", D(market.Dates[GeneratedStore.RetrainIndex + 1]), "--to", D(market.Dates[^7]),
            "--factors", "early_bigorder_buy_perc", "--scores", $"table:{ModelCatalog.ScoreTable("hf-gru")},{file}", "--out", outDir]));
        var models = File.ReadAllLines(Path.Combine(outDir, "model_summary.csv"));
        Assert.Equal("model,rankic_mean,rankic_std,ic_ir,ic_pos,top_excess_ann,top_ir,top_win,top_turnover,n_dates", models[0]);
        Assert.Equal(3, models.Length);
        // The same scores from the table and from the CSV give the same figures.
        Assert.Equal(models[1].Split(',')[1..], models[2].Split(',')[1..]);
        Assert.StartsWith("scores_hf_gru,", models[1]);
        Assert.StartsWith("hf,", models[2]);
        var groups = File.ReadAllLines(Path.Combine(outDir, "layers.csv")).Where(l => l.Contains(",hf,")).Select(l => int.Parse(l.Split(',')[2], CultureInfo.InvariantCulture)).Max();
        Assert.Equal(10, groups);
        string report = Path.Combine(outDir, "report.html");
        Assert.Equal(0, Cli.Run(["report", "--in", outDir, "--out", report]));
        var html = File.ReadAllText(report);
        Assert.Contains("<h2>Models</h2>", html);
        Assert.Contains("Cumulative RankIC per model", html);
        Assert.Contains("Model TOP group net value", html);
    }
}
