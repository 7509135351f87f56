using System.CommandLine;
using System.Globalization;
using System.Text;
using Sig.Models.Data;
using Sig.Models.Files;
using Sig.Models.Networks;
using Sig.Models.Nn;
using Sig.Models.Training;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine model-synthetic`: trains one model on the seeded synthetic panel (planted signal)
/// with the full protocol (4:1 split, early stopping) and writes a model file; optionally dumps a
/// held-out date's exact input tensor and scores, so the exported weights can be checked in
/// PyTorch (tools/reference/load_export.py). Store-backed training comes with the feature store.
/// </summary>
public sealed class ModelTrainSyntheticCommand : ICliCommand
{
    public Command Build()
    {
        var arch = new Option<string>("--model") { Description = "hf-gru | alphanet-v2 | alphanet-v2.1 | alphanet-v2.3", DefaultValueFactory = _ => "hf-gru" };
        var output = new Option<FileInfo>("--out") { Description = "Model file to write", Required = true };
        var dates = new Option<int>("--dates") { Description = "Synthetic dates (the last one is held out)", DefaultValueFactory = _ => 21 };
        var n = new Option<int>("--n") { Description = "Stocks per date", DefaultValueFactory = _ => 200 };
        var seed = new Option<ulong>("--seed") { Description = "Training seed", DefaultValueFactory = _ => 1UL };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs", DefaultValueFactory = _ => 10 };
        var dump = new Option<FileInfo?>("--dump-inputs") { Description = "JSON with the held-out date's symbols, input tensor and scores" };
        var cmd = new Command("model-synthetic", "Train a model on the synthetic panel and write a model file") { arch, output, dates, n, seed, epochs, dump };
        cmd.SetAction(parse =>
        {
            string name = parse.GetValue(arch)!;
            ulong s = parse.GetValue(seed);
            (INetwork net, int t, int f, float lr) = name switch
            {
                "hf-gru" => ((INetwork)new HfGruNet(27, 30), 40, 27, 0.005f),
                "alphanet-v2" => (new AlphaNetNet(), 30, 15, 1e-3f),
                "alphanet-v2.1" => (new AlphaNetNet(pairFeatures: PairSampler.Draw(s, 15, 8)), 30, 15, 1e-3f),
                "alphanet-v2.3" => (new AlphaNetNet(loss: AlphaNetLoss.LongSideWeightedMse), 30, 15, 1e-3f),
                _ => throw new ArgumentException($"--model {name}: expected hf-gru, alphanet-v2, alphanet-v2.1 or alphanet-v2.3"),
            };
            var panel = SyntheticPanel.Dates(new DateOnly(2024, 1, 2), parse.GetValue(dates), parse.GetValue(n), t, f, seed: 17, noise: 2.5);
            var fit = panel.Take(panel.Count - 1).ToArray();
            var (train, valid) = Protocol.Split(fit);
            var result = Trainer.Train(net, train, valid, new TrainingOptions(lr, s, MaxEpochs: parse.GetValue(epochs), Patience: 4),
                e => Console.WriteLine($"epoch {e.Epoch,3}  loss {e.TrainLoss,9:F5}  validation IC {e.ValidationIc,7:F4}{(e.Best ? "  *" : "")}"));
            var header = NetworkFactory.Header(net, s, fit[0].Date, fit[^1].Date, panel[^1].Date, DatasetDigest.Of(fit),
                new Dictionary<string, double> { ["best_epoch"] = result.BestEpoch, ["validation_ic"] = result.BestValidationIc });
            var path = parse.GetValue(output)!.FullName;
            var sha = ModelFile.Write(path, header, net.State);
            var held = panel[^1];
            var scores = Trainer.Predict(net, held);
            Console.WriteLine($"{path}: {name}, best epoch {result.BestEpoch}, validation IC {result.BestValidationIc:F4}, held-out RankIC {Metrics.RankIc(scores, held.Labels):F4}, sha256 {sha}");
            if (parse.GetValue(dump) is { } d)
            {
                var x = held.Inputs[0];
                var sb = new StringBuilder("{\"symbols\":[");
                sb.AppendJoin(',', held.Symbols.Select(v => $"\"{v}\"")).Append($"],\"shape\":[{x.N},{x.T},{x.F}],\"data\":[");
                sb.AppendJoin(',', x.Data.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append("],\"scores\":[");
                sb.AppendJoin(',', scores.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append("]}");
                File.WriteAllText(d.FullName, sb.ToString());
                Console.WriteLine($"inputs and scores → {d.FullName}");
            }
            return 0;
        });
        return cmd;
    }
}
