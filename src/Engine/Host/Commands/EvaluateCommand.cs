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

    /// <summary>Reads the panel the test needs (19 days of history before, the horizon after) through the panel engine of <paramref name="features"/> (default DuckDB) and runs it.</summary>
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
        var calendar = fs.TradingDates;
        int first = Enumerable.Range(0, calendar.Count).FirstOrDefault(i => calendar[i] >= from, -1);
        int last = Enumerable.Range(0, calendar.Count).LastOrDefault(i => calendar[i] <= to, -1);
        if (first < 0 || last < first) throw new ArgumentException($"{db}: no trading dates between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}");
        var start = calendar[Math.Max(0, first - (Sig.Research.Preprocessing.CrossSection.RollingWindow - 1))];
        var end = calendar[Math.Min(calendar.Count - 1, last + options.Horizon + 1)];
        var panel = fs.ReadPanel(start, end, names);
        var inputs = names.Select(n => new FactorInput(n, panel.Factor(n), FactorCatalog.Directions[Array.IndexOf(FactorCatalog.Names.ToArray(), n)])).ToList();
        if (scoreTable is not null)
            foreach (var entry in scoreTable.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                inputs.Add(ScoreInput(fs, panel, entry));
        readSeconds = clock.Elapsed.TotalSeconds;
        return FactorTest.Run(panel, from, to, inputs, options, keepRows);
    }

    /// <summary>
    /// One <c>--scores</c> entry: <c>table:NAME</c> (or a bare NAME) reads the store's score table; a path
    /// to a CSV file (<c>date,symbol,score</c>, e.g. from `engine predict`) is read onto the panel and named
    /// after the file. Scores of dates or symbols outside the panel are ignored.
    /// </summary>
    public static FactorInput ScoreInput(DailyFeatureStore fs, DailyPanel panel, string entry)
    {
        if (entry.StartsWith("table:", StringComparison.Ordinal)) entry = entry["table:".Length..];
        else if (entry.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || File.Exists(entry))
            return new FactorInput(Path.GetFileNameWithoutExtension(entry), ReadScoreCsv(entry, panel), +1, IsScore: true);
        return new FactorInput(entry, fs.ReadScores(entry, panel), +1, IsScore: true);
    }

    private static double[] ReadScoreCsv(string path, DailyPanel panel)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--scores {path}: no such file");
        var values = new double[panel.Dates.Length * panel.Symbols.Length];
        Array.Fill(values, double.NaN);
        var symbolIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < panel.Symbols.Length; i++) symbolIndex[panel.Symbols[i].ToString()] = i;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != "date,symbol,score") throw new InvalidDataException($"{path}:1: expected the header date,symbol,score");
        for (int n = 1; n < lines.Length; n++)
        {
            if (lines[n].Length == 0) continue;
            var cells = lines[n].Split(',');
            if (cells.Length != 3) throw new InvalidDataException($"{path}:{n + 1}: {cells.Length} fields, expected 3 (date,symbol,score)");
            var date = Cli.ParseDate(cells[0], $"{path}:{n + 1}: date");
            double score = cells[2].Length == 0 ? double.NaN
                : double.TryParse(cells[2], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v
                : throw new InvalidDataException($"{path}:{n + 1}: score '{cells[2]}' is not a number");
            int d = panel.DateIndex(date);
            if (d >= 0 && symbolIndex.TryGetValue(cells[1], out int s)) values[panel.Cell(d, s)] = score;
        }
        return values;
    }
}
