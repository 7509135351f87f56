using System.CommandLine;
using System.Globalization;
using System.Text;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Inference;
using Sig.Models.Data;
using Sig.Data.Features;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine predict --model NAME|fusion --store DIR --date D --out scores.csv`: scores one date with
/// the registered models (the latest retrain before D, seeds averaged), or with one file
/// (<c>--model-file</c>); <c>--dump-inputs</c> writes the exact input tensors and scores.
/// </summary>
public sealed class PredictCommand : ICliCommand
{
    public Command Build()
    {
        var model = new Option<string?>("--model") { Description = "Model name or fusion (not needed with --model-file)" };
        var store = new Option<DirectoryInfo>("--store") { Description = "Directory of features.db (or the file)", Required = true };
        var date = new Option<string>("--date") { Description = "Date to score (YYYY-MM-DD)", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "CSV to write: date,symbol,score", Required = true };
        var file = new Option<FileInfo?>("--model-file") { Description = "Score with this one model file (one seed)" };
        var dump = new Option<FileInfo?>("--dump-inputs") { Description = "JSON of the exact input tensors fed to the network, with the scores" };
        var cmd = new Command("predict", "Score one date with the trained models") { model, store, date, output, file, dump };
        cmd.SetAction(parse =>
        {
            var d = Cli.ParseDate(parse.GetValue(date)!, "--date");
            using var fs = new SqliteFeatureStore(DailyBarsExport.DatabaseOf(parse.GetValue(store)!.FullName));
            var scoring = new ModelScoring(fs);
            DateScores? scores;
            CrossSection? inputs = null;
            if (parse.GetValue(file) is { } f)
            {
                var loaded = scoring.Load(f.FullName);
                inputs = scoring.Inputs(d, loaded.Input);
                scores = inputs is null ? null : ModelScoring.Predict(loaded.Model, inputs, [loaded]);
            }
            else
            {
                string name = parse.GetValue(model) ?? throw new ArgumentException("--model or --model-file is required");
                if (name != ModelCatalog.Fusion) ModelCatalog.Get(name);
                if (parse.GetValue(dump) is not null)
                {
                    if (name == ModelCatalog.Fusion) throw new ArgumentException("--dump-inputs needs one network: use --model hf-gru or lf-mtl");
                    var files = scoring.FilesFor(name, d);
                    if (files.Count == 0) throw new ArgumentException($"no {name} model in the registry was trained before {d:yyyy-MM-dd} (run `engine train`)");
                    var loaded = files.Select(r => scoring.Load(r.Path, r.Sha256)).ToList();
                    inputs = scoring.Inputs(d, loaded[0].Input);
                    scores = inputs is null ? null : ModelScoring.Predict(name, inputs, loaded);
                }
                else scores = scoring.Score(name, d) ?? throw new ArgumentException(scoring.FilesFor(name == ModelCatalog.Fusion ? "hf-gru" : name, d).Count == 0
                    ? $"no {name} model in the registry was trained before {d:yyyy-MM-dd} (run `engine train`)" : $"{d:yyyy-MM-dd}: no stock has enough history to score");
            }
            if (scores is null) throw new ArgumentException($"{d:yyyy-MM-dd}: no stock has enough history to score");
            string outPath = parse.GetValue(output)!.FullName;
            WriteCsv(outPath, scores);
            if (parse.GetValue(dump) is { } dumpFile && inputs is not null) File.WriteAllText(dumpFile.FullName, DumpJson(inputs, scores.Scores));
            Console.WriteLine($"{scores.Symbols.Length} scores of {scores.Model} on {d:yyyy-MM-dd} → {outPath} (model files: {string.Join(", ", scores.ModelFiles)})");
            return 0;
        });
        return cmd;
    }

    public static void WriteCsv(string path, DateScores s)
    {
        var sb = new StringBuilder("date,symbol,score\n");
        string date = s.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        for (int i = 0; i < s.Symbols.Length; i++) sb.Append(date).Append(',').Append(s.Symbols[i]).Append(',').Append(FactorPayloads.Csv(s.Scores[i])).Append('\n');
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>
    /// <c>{"symbols":[…],"shape":[n,t,f],"data":[…],"scores":[…]}</c>, or with several inputs (LF: daily,
    /// weekly, monthly) <c>"inputs":[{"shape","data"},…]</c> in place of shape and data.
    /// </summary>
    public static string DumpJson(CrossSection cs, float[] scores)
    {
        static string N(float v) => v.ToString("R", CultureInfo.InvariantCulture);
        static void Tensor(StringBuilder sb, SequenceTensor x) =>
            sb.Append($"\"shape\":[{x.N},{x.T},{x.F}],\"data\":[").AppendJoin(',', x.Data.Select(N)).Append(']');
        var sb = new StringBuilder("{\"symbols\":[").AppendJoin(',', cs.Symbols.Select(s => $"\"{s}\"")).Append("],");
        if (cs.Inputs.Count == 1) Tensor(sb, cs.Inputs[0]);
        else
        {
            sb.Append("\"inputs\":[");
            for (int k = 0; k < cs.Inputs.Count; k++)
            {
                if (k > 0) sb.Append(',');
                sb.Append('{');
                Tensor(sb, cs.Inputs[k]);
                sb.Append('}');
            }
            sb.Append(']');
        }
        sb.Append(",\"scores\":[").AppendJoin(',', scores.Select(N)).Append("]}");
        return sb.ToString();
    }
}
