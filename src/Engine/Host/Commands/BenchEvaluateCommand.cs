using System.CommandLine;
using System.Diagnostics;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Data.Features;
using Sig.Research.Evaluation;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench evaluate`: a synthetic feature store (stocks × days × the 27 factors, daily
/// bars, reference rows; seeded) through `engine evaluate`: reading the panel, preprocessing
/// and the tests, writing the files. Reports the seconds of each phase and peak RSS.
/// </summary>
public sealed class BenchEvaluateCommand : IBenchCommand
{
    public Command Build()
    {
        var stocks = new Option<int>("--stocks") { Description = "Symbols", DefaultValueFactory = _ => 5000 };
        var days = new Option<int>("--days") { Description = "Trading days", DefaultValueFactory = _ => 250 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic data", DefaultValueFactory = _ => 11 };
        var keep = new Option<DirectoryInfo?>("--work") { Description = "Keep the store and outputs here (default: a temp directory, deleted)" };
        var engine = new Option<string?>("--panel-engine") { Description = "duckdb or sqlite (default: features.panelEngine of the configuration)" };
        var cmd = new Command("evaluate", "Evaluate (panel read, preprocessing, tests, files) on a synthetic feature store") { stocks, days, seed, keep, engine };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(stocks), d = parse.GetValue(days);
            string dir = parse.GetValue(keep)?.FullName ?? Path.Combine(Path.GetTempPath(), $"engine-bench-evaluate-{n}-{d}");
            Directory.CreateDirectory(dir);
            string db = Path.Combine(dir, "features.db");
            try
            {
                var dates = Calendar(new DateOnly(2023, 1, 2), d);
                if (!File.Exists(db))
                {
                    var sw0 = Stopwatch.StartNew(); // wall-clock ok: benchmark timing
                    Synthesize(db, n, dates, parse.GetValue(seed));
                    AnsiConsole.MarkupLine($"synthetic store {n} stocks × {d} days × {FactorCatalog.Count} factors written in {sw0.Elapsed.TotalSeconds:F1} s (not counted)");
                }
                var features = Cli.LoadConfig(parse).Features;
                if (parse.GetValue(engine) is { } e) features = features with { PanelEngine = e };
                var cpu = System.Diagnostics.Process.GetCurrentProcess();
                if (features.PanelEngine == "duckdb")
                {
                    // The mirror catches up with a bulk write once; later opens copy only changed dates.
                    var swSync = Stopwatch.StartNew(); // wall-clock ok: benchmark timing
                    using var open = DailyFeatureStore.Open(db, features);
                    if (open.Mirror is { DatesCopied: > 0 } m)
                        AnsiConsole.MarkupLine($"DuckDB mirror brought up to date ({m.DatesCopied} dates copied) in {swSync.Elapsed.TotalSeconds:F1} s (not counted)");
                }
                cpu.Refresh();
                var cpu0 = cpu.TotalProcessorTime;
                var sw = Stopwatch.StartNew(); // wall-clock ok: benchmark timing
                var run = EvaluateCommand.Run(db, dates[0], dates[^1], "all", null, new EvaluationOptions(), keepRows: false, out double readSeconds, features);
                double total = sw.Elapsed.TotalSeconds;
                var sw2 = Stopwatch.StartNew(); // wall-clock ok: benchmark timing
                run.Write(Path.Combine(dir, "eval"), panelCsv: false);
                double write = sw2.Elapsed.TotalSeconds;
                cpu.Refresh();
                double cpuSeconds = (cpu.TotalProcessorTime - cpu0).TotalSeconds;
                AnsiConsole.MarkupLine($"[bold]bench evaluate[/] {n} stocks × {d} days × {FactorCatalog.Count} factors, {run.RebalanceDates.Count} rebalance dates ({BenchReport.Machine()})");
                AnsiConsole.MarkupLine($"  read panel ({(features.PanelEngine == "duckdb" ? "DuckDB" : "SQLite")})       {readSeconds,7:F2} s");
                AnsiConsole.MarkupLine($"  preprocess + tests        {total - readSeconds,7:F2} s");
                AnsiConsole.MarkupLine($"  write files               {write,7:F2} s");
                AnsiConsole.MarkupLine($"  total                     {total + write,7:F2} s   CPU {cpuSeconds:F2} s   peak RSS {BenchReport.PeakRssMiB():F0} MiB");
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                if (parse.GetValue(keep) is null) Directory.Delete(dir, true);
            }
            return 0;
        });
        return cmd;
    }

    private static DateOnly[] Calendar(DateOnly start, int days)
    {
        var list = new List<DateOnly>();
        for (var t = start; list.Count < days; t = t.AddDays(1))
            if (t.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) list.Add(t);
        return [.. list];
    }

    /// <summary>Random walks for prices, log-normal caps, 31 industries, factors = noise plus a small loading on the next week's return.</summary>
    private static void Synthesize(string db, int n, DateOnly[] dates, int seed)
    {
        var rng = new Random(seed);
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(i + 1, i % 2 == 0 ? "SZ" : "SH")).OrderBy(s => s).ToArray();
        var price = symbols.Select(_ => Math.Exp(1 + rng.NextDouble() * 3)).ToArray();
        var shares = symbols.Select(_ => (long)Math.Exp(18 + rng.NextDouble() * 4)).ToArray();
        var returns = new double[dates.Length + 7, n];
        for (int t = 0; t < returns.GetLength(0); t++) for (int i = 0; i < n; i++) returns[t, i] = 0.02 * Normal(rng);
        using var store = new SqliteFeatureStore(db);
        for (int t = 0; t < dates.Length; t++)
        {
            var values = new double[n * FactorCatalog.Count];
            var bars = new List<DailyBar>(n);
            var refs = new List<DailyReference>(n);
            for (int i = 0; i < n; i++)
            {
                price[i] *= 1 + returns[t, i];
                double ahead = returns[t + 2, i] + returns[t + 3, i] + returns[t + 4, i];
                for (int f = 0; f < FactorCatalog.Count; f++) values[i * FactorCatalog.Count + f] = Normal(rng) + (f % 3 == 0 ? 3 * ahead : 0);
                var reference = new DailyReference
                {
                    Date = dates[t], Symbol = symbols[i], PreClose = FixedPrice.FromDouble(price[i]), AdjFactor = 1, Industry = $"I{i % 31:D2}",
                    TotalShares = shares[i], FloatShares = shares[i] / 2, IsSt = false, LimitUp = FixedPrice.FromDouble(price[i] * 1.1),
                    LimitDown = FixedPrice.FromDouble(price[i] * 0.9), Weights = [i < 500 ? 1.0 / 500 : 0], ListDate = new DateOnly(2010, 1, 4),
                };
                refs.Add(reference);
                var raw = new RawDailyBar(symbols[i], price[i], price[i] * 1.01, price[i] * 0.99, price[i], 100_000, price[i] * 100_000, 100, CloseRule.ClosingAuction);
                bars.Add(DailyBar.Adjust(dates[t], raw, reference));
            }
            store.WriteDaily(new FactorSnapshot(dates[t], 240, symbols, values, new long[n]));
            store.WriteDailyBars(dates[t], bars, new DailyReferenceSet(refs, ["csi500_weight"]));
        }
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
