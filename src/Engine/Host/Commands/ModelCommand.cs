using System.CommandLine;
using System.Globalization;
using Sig.Models.Files;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine model show|export`: inspect a model file, or write its state under PyTorch state_dict names.</summary>
public sealed class ModelCommand : ICliCommand
{
    public Command Build()
    {
        var model = new Command("model", "Model files: show the header, export the weights for PyTorch");

        var file = new Argument<FileInfo>("file") { Description = "Model file" };
        var output = new Option<FileInfo>("--out") { Description = "JSON to write", Required = true };
        var export = new Command("export", "Write every parameter and buffer under PyTorch state_dict names and shapes (load_state_dict-ready JSON)") { file, output };
        export.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var (header, tensors) = ModelFile.Read(path);
            ModelFile.Load(path);
            var outPath = parse.GetValue(output)!.FullName;
            File.WriteAllText(outPath, StateDictExport.ToJson(header, tensors));
            Console.WriteLine($"{tensors.Count} tensors of {header.Architecture} → {outPath}");
            return 0;
        });

        var showFile = new Argument<FileInfo>("file") { Description = "Model file" };
        var show = new Command("show", "Print a model file's header and tensors") { showFile };
        show.SetAction(parse =>
        {
            var (header, tensors) = ModelFile.Read(parse.GetValue(showFile)!.FullName);
            Console.WriteLine($"architecture {header.Architecture}, seed {header.Seed}, trained {header.TrainFrom} … {header.TrainTo}, retrain {header.RetrainDate}");
            Console.WriteLine("hyper-parameters: " + string.Join(", ", header.HyperParameters.Select(kv => $"{kv.Key}={kv.Value}")));
            Console.WriteLine("metrics: " + string.Join(", ", header.Metrics.Select(kv => $"{kv.Key}={kv.Value.ToString("G6", CultureInfo.InvariantCulture)}")));
            Console.WriteLine($"data digest {header.DataDigest}");
            foreach (var t in tensors) Console.WriteLine($"  {t.Name} [{string.Join('×', t.Shape)}] {t.Kind}");
            return 0;
        });

        model.Subcommands.Add(export);
        model.Subcommands.Add(show);
        return model;
    }
}
