using System.Globalization;
using Sig.Engine.Config;
using Sig.Portfolio.Backtest;
using Sig.Portfolio.Io;
using Sig.Data.Features;
using Sig.Research.Report;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// The index-enhancement part of `engine demo`: the demo's replay runs one strategy as the
/// optimizer close stage (CSI500, the planted big-order factor as α, turnover cap 0.3), whose
/// stored targets are shown; then a backtest of the same strategy on the replayed feature
/// store, its metrics table printed, every backtest file written and the enhancement section
/// added to the evaluation report.
/// </summary>
internal static class DemoPortfolioSection
{
    /// <summary>A factor whose planted sign is + (docs/generator.md), so higher is better as α.</summary>
    public const string Score = "early_bigorder_buy_perc";
    public const string Benchmark = "csi500";
    public const double Turnover = 0.3;
    public const string Strategy = "csi500_ebbp_t30";

    /// <summary>The demo replay's configuration: the configured strategies, or else the demo's one.</summary>
    public static EngineConfig WithStrategy(EngineConfig config) => config.Portfolio.Strategies is { Length: > 0 } ? config
        : config with
        {
            Portfolio = config.Portfolio with
            {
                Strategies = [new PortfolioStrategyOptions { Name = Strategy, Benchmark = Benchmark, Turnover = Turnover, Score = Score }],
            },
        };

    public static void Run(EngineConfig config, string db, IReadOnlyList<DateOnly> dates, string workDir)
    {
        ShowStageTargets(WithStrategy(config), db);
        string outDir = Path.Combine(workDir, "portfolio");
        Directory.CreateDirectory(outDir);
        var source = new FeatureStorePortfolioSource(db, config.Features);
        var options = config.Portfolio.Backtest;
        var runs = EnhancementJobs.Backtest(source, dates[0], dates[^1], Score, Benchmark, [Turnover], shareMode: false, config.Portfolio.Optimizer, options);
        var rows = runs.Select(r => (r.Label, BacktestMetrics.Of(r, options.DaysPerYear))).ToList();
        rows.Add((Benchmark, BacktestMetrics.OfBenchmark(runs[0].Dates, runs[0].BenchmarkNav, options.DaysPerYear)));
        PortfolioCsv.WriteMetrics(Path.Combine(outDir, "metrics.csv"), rows);
        PortfolioCsv.WriteYearly(Path.Combine(outDir, "yearly.csv"), runs);
        PortfolioCsv.WriteNav(Path.Combine(outDir, "nav.csv"), runs);
        PortfolioCsv.WriteTrades(Path.Combine(outDir, "trades.csv"), runs);
        PortfolioCsv.WriteRebalances(Path.Combine(outDir, "rebalances.csv"), runs);
        PortfolioCli.WriteManifest(Path.Combine(outDir, "manifest.json"), "backtest", config, new Dictionary<string, string>
        {
            ["from"] = dates[0].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["to"] = dates[^1].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["score"] = Score, ["benchmark"] = Benchmark, ["turnover"] = Turnover.ToString(CultureInfo.InvariantCulture),
        }, runs[0].Solver, runs[0].SolverVersion);
        AnsiConsole.MarkupLine($"backtest: α = {Score}, benchmark {Benchmark}, turnover cap {Turnover}, {runs[0].Dates.Length} days, " +
            $"{runs[0].Rebalances.Count} rebalances ({runs[0].Solver} {Markup.Escape(runs[0].SolverVersion)}); size exposure: " +
            $"{source.SizeDates.Stored} date(s) from daily_styles, {source.SizeDates.Computed} computed");
        Console.Write(BacktestCommand.SummaryTable(rows));
        string evaluation = Path.Combine(workDir, "evaluation");
        string report = Path.Combine(evaluation, "report.html");
        int charts = HtmlReport.Write(Directory.Exists(evaluation) ? evaluation : null, report, outDir);
        AnsiConsole.MarkupLine($"portfolio files in {Markup.Escape(outDir)}; report ({charts} charts, with the enhancement section): [bold]{Markup.Escape(report)}[/]");
    }

    /// <summary>The targets the replay's optimizer stage stored (table portfolio_targets), one line per rebalance.</summary>
    private static void ShowStageTargets(EngineConfig config, string db)
    {
        using var fs = new SqliteFeatureStore(db);
        foreach (var strategy in config.Portfolio.Strategies ?? [])
        {
            var rows = fs.ReadAllTargets(strategy.Name);
            var table = new Table().Title($"close stage: targets of {Markup.Escape(strategy.Name)} (table portfolio_targets, published on portfolio.{Markup.Escape(strategy.Name)})")
                .AddColumns("date", "holdings", "Σ weight", "largest", "status", "relaxation");
            foreach (var g in rows.GroupBy(r => r.Date))
            {
                var top = g.MaxBy(r => r.Weight);
                table.AddRow(g.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), g.Count().ToString(CultureInfo.InvariantCulture),
                    g.Sum(r => r.Weight).ToString("F6", CultureInfo.InvariantCulture),
                    $"{top.Symbol} {top.Weight.ToString("P2", CultureInfo.InvariantCulture)}", g.First().Status, g.First().Relaxation);
            }
            AnsiConsole.Write(table);
        }
    }
}
