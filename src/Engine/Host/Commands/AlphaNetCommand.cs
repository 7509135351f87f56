using System.CommandLine;
using Sig.Models.Training;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine alphanet coverage`: how many feature pairs an ensemble of v2.1 models (n of F features each) covers.</summary>
public sealed class AlphaNetCommand : ICliCommand
{
    public Command Build()
    {
        var features = new Option<int>("--features") { Description = "Features in the data picture", DefaultValueFactory = _ => 15 };
        var models = new Option<int>("--models") { Description = "Models (seeds) in the ensemble", DefaultValueFactory = _ => 10 };
        var trials = new Option<int>("--trials") { Description = "Simulations", DefaultValueFactory = _ => 1000 };
        var seed = new Option<ulong>("--seed") { Description = "Simulation seed", DefaultValueFactory = _ => 42UL };
        var coverage = new Command("coverage", "Share of all feature pairs covered by at least one model, for n = 6…11 drawn features") { features, models, trials, seed };
        coverage.SetAction(parse =>
        {
            int f = parse.GetValue(features), m = parse.GetValue(models), t = parse.GetValue(trials);
            if (f < 11) throw new ArgumentException($"--features {f}: needs at least 11 for n = 6…11");
            Console.WriteLine($"{f} features ({f * (f - 1) / 2} pairs), {m} models, {t} simulations, seed {parse.GetValue(seed)}");
            Console.WriteLine(" n  simulated  exact");
            for (int n = 6; n <= 11; n++)
                Console.WriteLine($"{n,2}  {100 * PairSampler.CoverageShare(f, m, n, t, parse.GetValue(seed)),8:F2}%  {100 * PairSampler.ExpectedCoverage(f, m, n),6:F2}%");
            return 0;
        });
        var cmd = new Command("alphanet", "AlphaNet utilities");
        cmd.Subcommands.Add(coverage);
        return cmd;
    }
}
