using Sig.Engine.Config;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Inference;
using Sig.Data.Features;
using Sig.Replay.Store;
using Sig.Research.Evaluation;
using Sig.Research.Report;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// The models part of `engine demo`: trains small HF GRU and LF multi-task models (4-day windows,
/// every day sampled, one seed, a few epochs: seconds) on the replayed store through the middle of
/// the period, replays the days again with the inference stage configured (hf-gru, lf-mtl, fusion)
/// so the closes after the retrain publish <c>sig.signals.*</c> into the digest and the score
/// tables, then evaluates the factors together with the three scores over the out-of-sample days
/// (every day a rebalance date) into <c>evaluation-models/</c> with its report.
/// Returns the manifest of that replay, whose digest is the demo's.
/// </summary>
internal static class DemoModelsSection
{
    private const int Days = 4;

    public static RunManifest Run(EngineConfig config, TickStore store, string db, string workDir)
    {
        var dates = store.Dates;
        // The earliest retrain with a few training dates (4-day windows, labels 11 days ahead), so most of the period is out of sample.
        int retrainIndex = Math.Min(dates.Count - 1, InputSpec.LabelDays + Days + 2);
        var retrain = dates[retrainIndex];
        var plan = new TrainingPlan(Seeds: 1, MaxEpochs: 8, Patience: 3);
        string modelDir = Path.Combine(workDir, "models");
        foreach (var name in new[] { "hf-gru", "lf-mtl" })
        {
            var spec = ModelCatalog.Get(name, days: Days, every: 1, hidden: 8);
            using var fs = new SqliteFeatureStore(db);
            var rows = RollingTraining.TrainRetrain(fs, spec, retrain, plan, modelDir);
            foreach (var r in rows)
                AnsiConsole.MarkupLine($"{name}: trained through {r.TrainedThrough:yyyy-MM-dd} on {r.TrainFrom:yyyy-MM-dd} … {r.TrainTo:yyyy-MM-dd} → {Markup.Escape(r.Path)}");
        }
        string[] models = ["hf-gru", "lf-mtl", ModelCatalog.Fusion];
        var withInference = config with { Inference = new InferenceOptions { Models = models, ModelDir = modelDir } };
        var (manifest, _) = ReplayCommand.Run(store, [.. dates], withInference, config.Replay.Workers, db);
        manifest.Write(Path.Combine(workDir, "replay.manifest.json"));
        AnsiConsole.MarkupLine($"replayed again with inference: sig.signals.hf_gru / lf_mtl / fusion on each close after {retrain:yyyy-MM-dd}; model files in the manifest: {manifest.ModelFiles.Length}");

        // Out of sample only, every day a rebalance date (the period is short): the factors and the three scores side by side.
        string outDir = Path.Combine(workDir, "evaluation-models");
        var run = EvaluateCommand.Run(db, dates[retrainIndex + 1], dates[^1], "all", string.Join(',', models.Select(m => "table:" + ModelCatalog.ScoreTable(m))),
            new EvaluationOptions { RebalanceEvery = 1 }, keepRows: true);
        run.Write(outDir, panelCsv: true);
        var table = new Table().Title("model scores out of sample: daily RankIC vs the T+1 → T+6 VWAP return").AddColumns("model", "RankIC mean", "IC>0", "dates");
        foreach (var s in run.Results.Where(r => r.Input.IsScore).Select(run.Summarize))
            table.AddRow(s.Factor, s.RankIcMean.ToString("F3"), s.IcPos.ToString("P0"), s.NDates.ToString());
        AnsiConsole.Write(table);
        int charts = HtmlReport.Write(outDir, Path.Combine(outDir, "report.html"));
        AnsiConsole.MarkupLine($"report with the model tables ({charts} charts): [bold]{Markup.Escape(Path.Combine(outDir, "report.html"))}[/]");
        return manifest;
    }
}
