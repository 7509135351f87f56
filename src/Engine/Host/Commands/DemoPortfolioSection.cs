using Sig.Engine.Config;
using Sig.Portfolio.Backtest;
using Sig.Portfolio.Io;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// The index-enhancement part of `engine demo`: a CSI500-enhanced backtest on the replayed
/// feature store with the planted big-order factor as α (turnover cap 0.3), its metrics table
/// printed and every backtest file written.
/// </summary>
internal static class DemoPortfolioSection
{
    /// <summary>A factor whose planted sign is + (docs/generator.md), so higher is better as α.</summary>
    public const string Score = "early_bigorder_buy_perc";
    public const string Benchmark = "csi500";

    public static void Run(EngineConfig config, string db, IReadOnlyList<DateOnly> dates, string workDir)
    {
        string outDir = Path.Combine(workDir, "portfolio");
        Directory.CreateDirectory(outDir);
        var source = new FeatureStorePortfolioSource(db, config.Features);
        var options = config.Portfolio.Backtest;
        var runs = EnhancementJobs.Backtest(source, dates[0], dates[^1], Score, Benchmark, [0.3], shareMode: false, config.Portfolio.Optimizer, options);
        var rows = runs.Select(r => (r.Label, BacktestMetrics.Of(r, options.DaysPerYear))).ToList();
        rows.Add((Benchmark, BacktestMetrics.OfBenchmark(runs[0].Dates, runs[0].BenchmarkNav, options.DaysPerYear)));
        PortfolioCsv.WriteMetrics(Path.Combine(outDir, "metrics.csv"), rows);
        PortfolioCsv.WriteYearly(Path.Combine(outDir, "yearly.csv"), runs);
        PortfolioCsv.WriteNav(Path.Combine(outDir, "nav.csv"), runs);
        PortfolioCsv.WriteTrades(Path.Combine(outDir, "trades.csv"), runs);
        PortfolioCsv.WriteRebalances(Path.Combine(outDir, "rebalances.csv"), runs);
        AnsiConsole.MarkupLine($"α = {Score}, benchmark {Benchmark}, turnover cap 0.3, {runs[0].Dates.Length} days, " +
            $"{runs[0].Rebalances.Count} rebalances ({runs[0].Solver} {Markup.Escape(runs[0].SolverVersion)}); size exposure: " +
            $"{source.SizeDates.Stored} date(s) from daily_styles, {source.SizeDates.Computed} computed");
        Console.Write(BacktestCommand.SummaryTable(rows));
        AnsiConsole.MarkupLine($"portfolio files in {Markup.Escape(outDir)}");
    }
}
