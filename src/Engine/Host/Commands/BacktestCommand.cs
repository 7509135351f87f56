using System.CommandLine;
using System.Globalization;
using Sig.Portfolio.Backtest;
using Sig.Portfolio.Io;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine backtest`: index-enhancement backtests, one per turnover cap, with the reports' tables.</summary>
public sealed class BacktestCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<string>("--store") { Description = "Input: a CSV panel directory (daily.csv, scores.csv) or a feature store (directory of features.db)", Required = true };
        var from = new Option<string>("--from") { Description = "First date YYYY-MM-DD (the first rebalance)", Required = true };
        var to = new Option<string>("--to") { Description = "Last date YYYY-MM-DD", Required = true };
        var score = new Option<string>("--score") { Description = "α: a scores.csv column (CSV panel); a daily factor NAME, z:NAME (standardized) or table:NAME (feature store)", Required = true };
        var benchmark = new Option<string>("--benchmark") { Description = "Benchmark: csi500, csi1000 (reads <name>_weight)", DefaultValueFactory = _ => "csi500" };
        var turnover = new Option<string?>("--turnover") { Description = "Turnover caps, comma separated ('none' for no cap); default: the configured caps" };
        var capital = new Option<double?>("--capital") { Description = "Share mode: hold whole lots for this capital (CNY)" };
        var output = new Option<string>("--out") { Description = "Directory for metrics.csv, yearly.csv, nav.csv, trades.csv, rebalances.csv, manifest.json", Required = true };
        var cmd = new Command("backtest", "Index-enhancement backtest: weekly LP rebalances, T+1 VWAP fills, A-share trading rules, costs");
        foreach (var o in new Option[] { store, from, to, score, benchmark, turnover, capital, output }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            var d1 = Cli.ParseDate(parse.GetValue(from)!, "--from");
            var d2 = Cli.ParseDate(parse.GetValue(to)!, "--to");
            if (d2 < d1) throw new ArgumentException("--to is before --from");
            var caps = parse.GetValue(turnover) is { } t ? PortfolioCli.ParseCaps(t) : config.Portfolio.Optimizer.TurnoverCaps.Select(c => (double?)c).ToList();
            var options = config.Portfolio.Backtest;
            double? shareCapital = parse.GetValue(capital);
            if (shareCapital is { } c)
            {
                if (!(c > 0)) throw new ArgumentException("--capital must be > 0");
                options = options with { Capital = c };
            }
            string bench = parse.GetValue(benchmark)!;
            var runs = EnhancementJobs.Backtest(PortfolioCli.Open(parse.GetValue(store)!, config.Features), d1, d2, parse.GetValue(score)!, bench, caps,
                shareCapital is not null, config.Portfolio.Optimizer, options);
            string dir = parse.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var rows = runs.Select(r => (r.Label, BacktestMetrics.Of(r, options.DaysPerYear))).ToList();
            rows.Add((bench, BacktestMetrics.OfBenchmark(runs[0].Dates, runs[0].BenchmarkNav, options.DaysPerYear)));
            PortfolioCsv.WriteMetrics(Path.Combine(dir, "metrics.csv"), rows);
            PortfolioCsv.WriteYearly(Path.Combine(dir, "yearly.csv"), runs);
            PortfolioCsv.WriteNav(Path.Combine(dir, "nav.csv"), runs);
            PortfolioCsv.WriteTrades(Path.Combine(dir, "trades.csv"), runs);
            PortfolioCsv.WriteRebalances(Path.Combine(dir, "rebalances.csv"), runs);
            PortfolioCli.WriteManifest(Path.Combine(dir, "manifest.json"), "backtest", config, new Dictionary<string, string>
            {
                ["store"] = Path.GetFullPath(parse.GetValue(store)!), ["from"] = d1.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["to"] = d2.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["score"] = parse.GetValue(score)!, ["benchmark"] = bench,
                ["turnover"] = string.Join(',', caps.Select(x => x?.ToString(CultureInfo.InvariantCulture) ?? "none")),
                ["capital"] = options.Capital.ToString(CultureInfo.InvariantCulture), ["shareMode"] = shareCapital is null ? "false" : "true",
            }, runs[0].Solver, runs[0].SolverVersion);
            Console.WriteLine($"backtest {runs[0].Dates[0]:yyyy-MM-dd} … {runs[0].Dates[^1]:yyyy-MM-dd}: {runs[0].Dates.Length} days, benchmark {bench}, score {parse.GetValue(score)}");
            Console.Write(SummaryTable(rows));
            foreach (var run in runs)
            {
                int relaxed = run.Rebalances.Count(x => x.Relaxation != Sig.Portfolio.Optimizer.Relaxation.None);
                if (relaxed > 0) Console.WriteLine($"  {run.Label}: {relaxed} of {run.Rebalances.Count} rebalances relaxed (see rebalances.csv)");
            }
            Console.WriteLine($"  wrote {Path.GetFullPath(dir)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The enhancement table as fixed-width text (percentages as the reports print them).</summary>
    public static string SummaryTable(IReadOnlyList<(string Name, BacktestMetrics M)> rows)
    {
        static string P(double x) => double.IsNaN(x) ? "-" : (100 * x).ToString("F2", CultureInfo.InvariantCulture) + "%";
        static string R(double x) => double.IsNaN(x) ? "-" : x.ToString("F2", CultureInfo.InvariantCulture);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"  {"portfolio",-10} {"ann.ret",9} {"ann.vol",9} {"sharpe",7} {"maxDD",8} {"excess",9} {"TE",8} {"exDD",8} {"IR",7} {"calmar",7} {"win(m)",8} {"turnover",9}");
        foreach (var (name, m) in rows)
            sb.AppendLine($"  {name,-10} {P(m.AnnualReturn),9} {P(m.AnnualVolatility),9} {R(m.Sharpe),7} {P(m.MaxDrawdown),8} {P(m.AnnualExcessReturn),9} {P(m.TrackingError),8} {P(m.ExcessMaxDrawdown),8} {R(m.InformationRatio),7} {R(m.Calmar),7} {P(m.MonthlyWinRate),8} {P(m.Turnover),9}");
        return sb.ToString();
    }
}
