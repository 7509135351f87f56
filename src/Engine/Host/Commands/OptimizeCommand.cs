using System.CommandLine;
using System.Globalization;
using Sig.Portfolio.Io;
using Sig.Portfolio.Optimizer;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine optimize`: the index-enhancement LP for one date → weights.csv and a summary.</summary>
public sealed class OptimizeCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<string>("--store") { Description = "Input: a CSV panel directory (daily.csv, scores.csv) or a feature store (directory of features.db)", Required = true };
        var date = new Option<string>("--date") { Description = "Rebalance date YYYY-MM-DD (the LP runs at its close)", Required = true };
        var score = new Option<string>("--score") { Description = "α: a scores.csv column (CSV panel); a daily factor NAME, z:NAME (standardized) or table:NAME (feature store)", Required = true };
        var benchmark = new Option<string>("--benchmark") { Description = "Benchmark: csi500, csi1000 (reads <name>_weight)", DefaultValueFactory = _ => "csi500" };
        var turnover = new Option<string>("--turnover") { Description = "Two-sided turnover cap, or 'none' (ignored without --prev)", DefaultValueFactory = _ => "0.3" };
        var prev = new Option<string?>("--prev") { Description = "Holdings w⁰: a weights.csv (symbol, weight); without it, a first rebalance" };
        var lp = new Option<string?>("--lp") { Description = "Also write the LP in CPLEX LP format (for glpsol or another solver)" };
        var output = new Option<string>("--out") { Description = "weights.csv to write", Required = true };
        var cmd = new Command("optimize", "Index-enhancement weights for one date (maximize αᵀw under the benchmark's bounds)");
        foreach (var o in new Option[] { store, date, score, benchmark, turnover, prev, lp, output }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            var day = Cli.ParseDate(parse.GetValue(date)!, "--date");
            var caps = PortfolioCli.ParseCaps(parse.GetValue(turnover)!);
            if (caps.Count != 1) throw new FormatException("--turnover: optimize takes one cap (or 'none')");
            var cap = caps[0];
            string? prevPath = parse.GetValue(prev);
            var previous = prevPath is null ? null : PortfolioCsv.ReadWeights(prevPath);
            var source = PortfolioCli.Open(parse.GetValue(store)!, config.Features);
            var bounds = config.Portfolio.Optimizer;
            var (input, r, listed) = EnhancementJobs.Optimize(source, day, parse.GetValue(score)!, parse.GetValue(benchmark)!, cap, previous, bounds);
            string outPath = parse.GetValue(output)!;
            string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
            if (dir is not null) Directory.CreateDirectory(dir);
            PortfolioCsv.WriteWeights(outPath, input, r, listed);
            if (parse.GetValue(lp) is { } lpPath)
                File.WriteAllText(lpPath, CplexLpWriter.Write(input, LpLimits.From(input, bounds, r.Active.Turnover ? cap : null), sizeBound: r.Relaxation != Relaxation.TurnoverAndSizeDropped));
            PortfolioCli.WriteManifest(Path.ChangeExtension(outPath, ".manifest.json"), "optimize", config, new Dictionary<string, string>
            {
                ["store"] = Path.GetFullPath(parse.GetValue(store)!), ["date"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["score"] = parse.GetValue(score)!, ["benchmark"] = parse.GetValue(benchmark)!, ["turnover"] = cap?.ToString(CultureInfo.InvariantCulture) ?? "none",
                ["prev"] = prevPath is null ? "" : Path.GetFullPath(prevPath),
            }, r.Solver, r.SolverVersion);
            var e = r.Exposures;
            Console.WriteLine($"optimize {day:yyyy-MM-dd}: {input.Count} stocks, {input.Tradable.Count(t => t)} tradable, benchmark {parse.GetValue(benchmark)}");
            Console.WriteLine($"  status       {PortfolioCsv.StatusName(r.Status)}, relaxation {PortfolioCsv.RelaxationName(r.Relaxation)}{(r.Failure is null ? "" : " (" + r.Failure + ")")}");
            Console.WriteLine($"  objective    {r.Objective:F6}");
            Console.WriteLine($"  holdings     {e.Holdings}, constituent weight {e.ConstituentWeight:F4}, turnover {e.Turnover:F4}");
            Console.WriteLine($"  exposures    max |industry active| {e.MaxIndustryActive:F4}, size active {e.SizeActive:F4}");
            Console.WriteLine($"  solver       {r.Solver} ({r.SolverVersion}), {r.Solves} solve(s), {r.SolveMilliseconds:F1} ms");
            Console.WriteLine($"  wrote        {Path.GetFullPath(outPath)}");
            return 0;
        });
        return cmd;
    }
}
