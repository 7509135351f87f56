using System.CommandLine;
using System.Diagnostics;
using Sig.Engine.Config;
using Sig.Portfolio.Backtest;
using Sig.Portfolio.Io;
using Sig.Portfolio.Optimizer;
using Sig.Portfolio.Synthetic;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench optimize`: the enhancement LP over a synthetic market (cold: a new model per
/// solve; warm: one model updated per weekly rebalance) for GLOP and CLP, then a weekly
/// backtest over years of daily data.
/// </summary>
public sealed class BenchOptimizeCommand : IBenchCommand
{
    public Command Build()
    {
        var stocks = new Option<int>("--stocks") { Description = "Stocks in the universe", DefaultValueFactory = _ => 5000 };
        var benchmark = new Option<int>("--benchmark-size") { Description = "Benchmark constituents", DefaultValueFactory = _ => 500 };
        var solves = new Option<int>("--solves") { Description = "Weekly rebalances timed per solver", DefaultValueFactory = _ => 20 };
        var years = new Option<double>("--years") { Description = "Backtest length in years of 242 trading days (0: skip)", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Synthetic market seed", DefaultValueFactory = _ => 42 };
        var writePanel = new Option<string?>("--write-panel") { Description = "Also write the LP bench's synthetic market as a CSV panel directory (scores: foresight, noisy)" };
        var cmd = new Command("optimize", "Enhancement LP solve times (GLOP, CLP; cold and warm) and a multi-year weekly backtest");
        foreach (var o in new Option[] { stocks, benchmark, solves, years, seed, writePanel }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            int n = parse.GetValue(stocks), count = parse.GetValue(solves), s = parse.GetValue(seed);
            var panel = SyntheticMarket.Generate(n, count * 5 + 10, s, parse.GetValue(benchmark));
            var score = SyntheticMarket.ForwardScore(panel, 5, 0.05, s);
            if (parse.GetValue(writePanel) is { } dir)
            {
                PortfolioCsv.WritePanel(dir, panel, "csi500", [("foresight", SyntheticMarket.ForwardScore(panel, 5, 1, s)), ("noisy", score)]);
                Console.WriteLine($"wrote CSV panel {Path.GetFullPath(dir)}");
            }
            Console.WriteLine($"bench optimize: {n} stocks, {parse.GetValue(benchmark)} constituents, 31 industries, turnover cap 0.3, {count} weekly rebalances");
            foreach (var solver in new[] { "GLOP", "CLP" })
            {
                var bounds = config.Portfolio.Optimizer with { Solver = solver };
                var (warm, warmCpu, warmStatus, version) = Lp(panel, score, bounds, count, reuse: true);
                var (cold, coldCpu, _, _) = Lp(panel, score, bounds, count, reuse: false);
                Console.WriteLine($"  {solver,-4} {version}");
                Console.WriteLine($"       cold (new model each)   wall p50/p99 {BenchReport.P50P99(cold)}   cpu p50 {BenchReport.Percentile(coldCpu, 0.5):F2} ms");
                Console.WriteLine($"       warm (model updated)    wall p50/p99 {BenchReport.P50P99(warm.Skip(1).ToList())}   cpu p50 {BenchReport.Percentile(warmCpu.Skip(1).ToList(), 0.5):F2} ms   first {warm[0]:F1} ms   {warmStatus}");
            }
            double y = parse.GetValue(years);
            if (y > 0)
            {
                int days = (int)Math.Round(y * 242);
                var gen = Stopwatch.StartNew(); // wall-clock ok: benchmark timing
                var big = SyntheticMarket.Generate(n, days, s + 1, parse.GetValue(benchmark));
                var bigScore = SyntheticMarket.ForwardScore(big, 5, 0.05, s + 1);
                gen.Stop();
                var clock = Stopwatch.StartNew(); // wall-clock ok: benchmark timing
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var run = new PortfolioBacktest(big, config.Portfolio.Optimizer, config.Portfolio.Backtest).Run(bigScore, 0.3, shareMode: false);
                clock.Stop();
                double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
                var m = BacktestMetrics.Of(run, config.Portfolio.Backtest.DaysPerYear);
                double lpMs = run.Rebalances.Sum(r => r.SolveMilliseconds);
                Console.WriteLine($"  backtest {n} stocks x {days} days ({run.Rebalances.Count} rebalances, {config.Portfolio.Optimizer.Solver}): {clock.Elapsed.TotalSeconds:F2} s wall, {cpuSeconds:F2} s cpu "
                                  + $"(LP {lpMs / 1000:F2} s; synthetic data {gen.Elapsed.TotalSeconds:F1} s not counted)");
                Console.WriteLine($"       annual excess {m.AnnualExcessReturn:P2}, IR {m.InformationRatio:F2}, turnover {m.Turnover:P1}, relaxed {run.Rebalances.Count(r => r.Relaxation != Relaxation.None)}");
            }
            Console.WriteLine($"  peak RSS     {BenchReport.PeakRssMiB():F0} MiB");
            Console.WriteLine($"  machine      {BenchReport.Machine()}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Solve times (ms) of <paramref name="count"/> weekly rebalances, holdings carried from the last solution.</summary>
    private static (List<double> Ms, List<double> CpuMs, string Statuses, string Version) Lp(MarketPanel panel, double[] score, OptimizerOptions bounds, int count, bool reuse)
    {
        var ms = new List<double>();
        var cpuMs = new List<double>();
        var statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
        double[]? held = null;
        string version = "";
        var shared = reuse ? new EnhancementOptimizer(bounds) : null;
        try
        {
            for (int r = 0; r < count; r++)
            {
                int d = 5 * r;
                var input = panel.RebalanceInput(d, score.AsSpan(d * panel.Stocks, panel.Stocks), held, bounds.MinListedDays);
                using var own = reuse ? null : new EnhancementOptimizer(bounds);
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime; // process CPU time: less sensitive to a shared machine than wall time
                var result = (shared ?? own!).Optimize(input, 0.3);
                cpuMs.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds);
                ms.Add(result.SolveMilliseconds);
                version = result.SolverVersion;
                string key = $"{PortfolioCsv.StatusName(result.Status)}/{PortfolioCsv.RelaxationName(result.Relaxation)}";
                if (result.Failure is not null) key += $" ({result.Failure})";
                statuses[key] = statuses.GetValueOrDefault(key) + 1;
                held = result.Weights;
            }
        }
        finally
        {
            shared?.Dispose();
        }
        return (ms, cpuMs, string.Join(", ", statuses.Select(kv => $"{kv.Key} ×{kv.Value}")), version);
    }
}
