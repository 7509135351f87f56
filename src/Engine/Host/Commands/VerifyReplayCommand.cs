using System.CommandLine;
using Sig.Actors.Live;
using Sig.Actors.Sources;
using Sig.Engine.Output;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine verify-replay --journal DIR`: runs a live journal's inputs through the same engine
/// and compares the output digest with the one the live run recorded in its manifest; exit 0
/// only if identical. Prints the replayed output digest as its last line.
/// </summary>
public sealed class VerifyReplayCommand : ICliCommand
{
    public Command Build()
    {
        var journal = new Option<DirectoryInfo>("--journal") { Description = "Journal directory of a live run", Required = true };
        var cmd = new Command("verify-replay", "Replay a live run's journal and check that its output digest equals the live one") { journal };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            string dir = parse.GetValue(journal)!.FullName;
            string manifestPath = Path.Combine(dir, LiveSession.ManifestFileName);
            if (!File.Exists(manifestPath)) throw new FileNotFoundException($"no live manifest at {manifestPath}");
            var live = RunManifest.FromJson(File.ReadAllText(manifestPath));
            var run = StoreReplay.Run(config, config.Replay.Workers, new JournalEventSource(dir));
            var counters = run.Last?.Counters ?? default;
            bool same = run.DigestHex == live.OutputDigest;
            AnsiConsole.MarkupLine(same
                ? $"[green]identical[/]: {counters.EventsApplied:N0} events, {counters.LateEvents:N0} late, {counters.RejectedRows:N0} rejected rows"
                : $"[red]MISMATCH[/]: live recorded {Markup.Escape(live.OutputDigest)}");
            Console.WriteLine($"output digest: {run.DigestHex}");
            return same ? 0 : 1;
        });
        return cmd;
    }
}
