using System.CommandLine;
using Sig.Engine.Output;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine verify-replay --journal DIR[,DIR...]`: runs a live journal's inputs through the same engine
/// and compares the output digest with the one the live run recorded in its manifest; exit 0
/// only if identical. Prints the replayed output digest as its last line. A live run with close
/// stages (portfolio.strategies) is verified with `--store DIR`, its feature store: the stages run
/// again on a copy of it (the live run's own rows and targets, rewritten identically), the store
/// itself is not changed. A journal that begins after a cut (journal.start) cannot be verified: exit 2, saying why.
/// </summary>
public sealed class VerifyReplayCommand : ICliCommand
{
    /// <summary>The exit code for a journal that cannot be verified (it begins after a cut; 1 is a mismatch or an error).</summary>
    public const int CannotVerifyExitCode = 2;

    public Command Build()
    {
        var journal = new Option<string>("--journal") { Description = "Journal directory of a live run (or a partitioned cluster's shard journals, comma-separated: replayed merged by stream sequence)", Required = true };
        var store = new Option<DirectoryInfo?>("--store") { Description = "The live run's feature store directory (needed when it ran close stages; a copy is used)" };
        var cmd = new Command("verify-replay", "Replay a live run's journal and check that its output digest equals the live one") { journal, store };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            string[] dirs = parse.GetValue(journal)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Path.GetFullPath).ToArray();
            foreach (string dir in dirs)
                if (Directory.Exists(dir) && VerifyReplayRun.CannotVerify(dir) is { } why)
                {
                    AnsiConsole.MarkupLine($"[yellow]cannot verify[/]: {Markup.Escape(why)}");
                    return CannotVerifyExitCode;
                }
            var (run, live) = VerifyReplayRun.Run(config, string.Join(",", dirs), parse.GetValue(store)?.FullName);
            return Report(run, live);
        });
        return cmd;
    }

    private static int Report(Sig.Actors.Pipeline.MarketPipeline run, RunManifest live)
    {
        var counters = run.Last?.Counters ?? default;
        bool same = run.DigestHex == live.OutputDigest;
        AnsiConsole.MarkupLine(same
            ? $"[green]identical[/]: {counters.EventsApplied:N0} events, {counters.LateEvents:N0} late, {counters.RejectedRows:N0} rejected rows"
            : $"[red]MISMATCH[/]: live recorded {Markup.Escape(live.OutputDigest)}");
        Console.WriteLine($"output digest: {run.DigestHex}");
        return same ? 0 : 1;
    }
}
