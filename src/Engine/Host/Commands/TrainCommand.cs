using System.CommandLine;
using System.Globalization;
using Sig.Inference;
using Sig.Data.Features;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine train --model NAME --store DIR --from D1 --to D2 [--seeds N]`: the rolling training
/// over the range (docs/models.md) — one retrain at the range's first trading day and at each
/// half-year retrain after it, every seed a model file plus a registry row in the feature store.
/// Progress (epoch, loss, validation IC) on stderr. Ctrl-C stops between steps; model files are
/// written to a temporary name and renamed, so none is ever half-written.
/// </summary>
public sealed class TrainCommand : ICliCommand
{
    public Command Build()
    {
        var model = new Option<string>("--model") { Description = string.Join(" | ", ModelCatalog.Names), Required = true };
        var store = new Option<DirectoryInfo>("--store") { Description = "Directory of features.db (or the file)", Required = true };
        var from = new Option<string>("--from") { Description = "First retrain date (YYYY-MM-DD)", Required = true };
        var to = new Option<string>("--to") { Description = "Last date of the range (YYYY-MM-DD)", Required = true };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds per retrain (default: 3 for hf-gru/lf-mtl, 10 for AlphaNet)" };
        var dir = new Option<DirectoryInfo?>("--model-dir") { Description = "Where model files go (default: inference.modelDir, else <store>/models)" };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs", DefaultValueFactory = _ => 100 };
        var patience = new Option<int>("--patience") { Description = "Early-stopping patience (epochs)", DefaultValueFactory = _ => 10 };
        var days = new Option<int?>("--days") { Description = "Input window in trading days (default: 40, AlphaNet 30)" };
        var minDays = new Option<int?>("--min-days") { Description = "Days with data a stock needs in the window (default: 30 of 40, 23 of 30)" };
        var every = new Option<int?>("--every") { Description = "Sample every k-th trading day (default: 5, AlphaNet 2)" };
        var hidden = new Option<int?>("--hidden") { Description = "Recurrent hidden size (default 30)" };
        var cmd = new Command("train", "Rolling training of a model on the feature store: model files + registry rows")
        {
            model, store, from, to, seeds, dir, epochs, patience, days, minDays, every, hidden,
        };
        cmd.SetAction((parse, cancel) =>
        {
            var config = Cli.LoadConfig(parse);
            var spec = ModelCatalog.Get(parse.GetValue(model)!, parse.GetValue(days), parse.GetValue(minDays), parse.GetValue(every), parse.GetValue(hidden));
            DateOnly a = Cli.ParseDate(parse.GetValue(from)!, "--from"), b = Cli.ParseDate(parse.GetValue(to)!, "--to");
            Cli.CheckRange(a, b);
            string db = DailyBarsExport.DatabaseOf(parse.GetValue(store)!.FullName);
            string modelDir = parse.GetValue(dir)?.FullName ?? config.Inference?.ModelDir ?? Path.Combine(Path.GetDirectoryName(db)!, "models");
            var plan = new TrainingPlan(parse.GetValue(seeds) ?? spec.DefaultSeeds, parse.GetValue(epochs), parse.GetValue(patience));
            try
            {
                var rows = Run(db, spec, a, b, plan, modelDir, cancel);
                foreach (var r in rows) Console.WriteLine($"{r.Model} seed {r.Seed} trained through {r.TrainedThrough:yyyy-MM-dd} ({r.TrainFrom:yyyy-MM-dd} … {r.TrainTo:yyyy-MM-dd}) → {r.Path} sha256 {r.Sha256}");
                return Task.FromResult(0);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine("train: interrupted; the files already listed are complete, none is half-written");
                return Task.FromResult(130);
            }
        });
        return cmd;
    }

    /// <summary>Trains every retrain date of [from, to]; progress on stderr.</summary>
    public static List<RegisteredModel> Run(string db, ModelSpec spec, DateOnly from, DateOnly to, TrainingPlan plan, string modelDir, CancellationToken cancel = default)
    {
        using var fs = new SqliteFeatureStore(db);
        var rows = new List<RegisteredModel>();
        foreach (var r in RollingTraining.RetrainDates(fs.TradingDates, from, to))
        {
            rows.AddRange(RollingTraining.TrainRetrain(fs, spec, r, plan, modelDir, p => Console.Error.WriteLine(
                $"{p.Model} {p.Retrain:yyyy-MM-dd} seed {p.Seed} epoch {p.Epoch.Epoch,3}  loss {F(p.Epoch.TrainLoss)}  validation IC {F(p.Epoch.ValidationIc)}{(p.Epoch.Best ? "  *" : "")}"), cancel));
        }
        return rows;
    }

    private static string F(double v) => v.ToString("F5", CultureInfo.InvariantCulture).PadLeft(9);
}
