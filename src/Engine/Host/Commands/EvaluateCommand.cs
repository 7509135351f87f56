using System.CommandLine;
using Sig.Engine.Config;
using Sig.Factors;
using Sig.Data.Features;
using Sig.Research.Evaluation;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine evaluate`: single-factor and layered tests of the daily factors (and optionally a
/// model score table) over the feature store's weekly rebalance dates; writes ic_summary.csv,
/// ic_series.csv, layers.csv, correlation.csv, summary.json and with --panel panel.csv.
/// </summary>
public sealed class EvaluateCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<DirectoryInfo>("--store") { Description = "Directory of features.db (or the file)", Required = true };
        var from = new Option<string>("--from") { Description = "First rebalance date (YYYY-MM-DD)", Required = true };
        var to = new Option<string>("--to") { Description = "Last rebalance date (YYYY-MM-DD)", Required = true };
        var factors = new Option<string>("--factors") { Description = "all, or a comma-separated list of factor names", DefaultValueFactory = _ => "all" };
        var scores = new Option<string?>("--scores") { Description = "Also test model scores, comma-separated: table:NAME (or NAME) in the store, or a CSV file date,symbol,score; 10 groups, direction +1" };
        var panel = new Option<bool>("--panel") { Description = "Also write panel.csv (every value, label and group the test used)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory", Required = true };
        var cmd = new Command("evaluate", "Single-factor (RankIC) and layered tests of the daily factors") { store, from, to, factors, scores, panel, output };
        cmd.SetAction(parse =>
        {
            var run = Run(DailyBarsExport.DatabaseOf(parse.GetValue(store)!.FullName), Cli.ParseDate(parse.GetValue(from)!, "--from"),
                Cli.ParseDate(parse.GetValue(to)!, "--to"), parse.GetValue(factors)!, parse.GetValue(scores), new EvaluationOptions(), parse.GetValue(panel),
                Cli.LoadConfig(parse).Features);
            string dir = parse.GetValue(output)!.FullName;
            run.Write(dir, parse.GetValue(panel));
            Console.WriteLine($"{run.Results.Count} factor(s) × {run.RebalanceDates.Count} rebalance date(s) → {dir}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Reads the panel the test needs (<see cref="EvaluationInputs.Read"/>) through the panel engine of <paramref name="features"/> (default DuckDB) and runs it.</summary>
    public static EvaluationRun Run(string db, DateOnly from, DateOnly to, string factorList, string? scoreTable, EvaluationOptions options, bool keepRows,
        FeaturesOptions? features = null) =>
        Run(db, from, to, factorList, scoreTable, options, keepRows, out _, features);

    /// <summary>As <see cref="Run(string, DateOnly, DateOnly, string, string?, EvaluationOptions, bool, FeaturesOptions?)"/>; <paramref name="readSeconds"/> is the time spent opening and reading the store (benchmarks).</summary>
    public static EvaluationRun Run(string db, DateOnly from, DateOnly to, string factorList, string? scoreTable, EvaluationOptions options, bool keepRows,
        out double readSeconds, FeaturesOptions? features = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew(); // wall-clock ok: reported read time only
        var names = factorList == "all" ? FactorCatalog.Names.ToArray() : factorList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var n in names)
            if (!FactorCatalog.Names.Contains(n)) throw new ArgumentException($"--factors: unknown factor '{n}'");
        using var fs = DailyFeatureStore.Open(db, features);
        var scores = scoreTable?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        var (panel, inputs) = EvaluationInputs.Read(fs, from, to, names, scores, options.Horizon, db);
        readSeconds = clock.Elapsed.TotalSeconds;
        return FactorTest.Run(panel, from, to, inputs, options, keepRows);
    }
}
