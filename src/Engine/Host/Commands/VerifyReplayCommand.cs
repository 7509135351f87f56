using System.CommandLine;
using Sig.Actors.Live;
using Sig.Actors.Sources;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine verify-replay --journal DIR`: runs a live journal's inputs through the same engine
/// and compares the output digest with the one the live run recorded in its manifest; exit 0
/// only if identical. Prints the replayed output digest as its last line. A live run with close
/// stages (portfolio.strategies) is verified with `--store DIR`, its feature store: the stages run
/// again on a copy of it (the live run's own rows and targets, rewritten identically), the store
/// itself is not changed.
/// </summary>
public sealed class VerifyReplayCommand : ICliCommand
{
    public Command Build()
    {
        var journal = new Option<DirectoryInfo>("--journal") { Description = "Journal directory of a live run", Required = true };
        var store = new Option<DirectoryInfo?>("--store") { Description = "The live run's feature store directory (needed when it ran close stages; a copy is used)" };
        var cmd = new Command("verify-replay", "Replay a live run's journal and check that its output digest equals the live one") { journal, store };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            string dir = parse.GetValue(journal)!.FullName;
            string manifestPath = Path.Combine(dir, LiveSession.ManifestFileName);
            if (!File.Exists(manifestPath)) throw new FileNotFoundException($"no live manifest at {manifestPath}");
            var live = RunManifest.FromJson(File.ReadAllText(manifestPath));
            string? liveDb = parse.GetValue(store) is { } sd ? Path.Combine(sd.FullName, "features.db") : null;
            if (live.CloseStages is { Length: > 0 } && liveDb is null)
                throw new ArgumentException($"the live run had close stages ({string.Join("; ", live.CloseStages)}): give --store, its feature store, to run them again");
            string? copy = liveDb is null ? null : Path.Combine(Path.GetTempPath(), $"verify-replay-{Environment.ProcessId}.db");
            try
            {
                if (liveDb is not null)
                {
                    if (!File.Exists(liveDb)) throw new FileNotFoundException($"--store: no feature store at {liveDb}");
                    File.Copy(liveDb, copy!, overwrite: true);
                    if (File.Exists(liveDb + "-wal")) File.Copy(liveDb + "-wal", copy + "-wal", overwrite: true);
                }
                using var features = copy is null ? null : new Sig.Data.Features.SqliteFeatureStore(copy);
                var run = StoreReplay.Run(config, config.Replay.Workers, new JournalEventSource(dir), daily: features,
                    closeStages: CloseStageWiring.For(config, copy));
                return Report(run, live);
            }
            finally
            {
                if (copy is not null) foreach (var f in new[] { copy, copy + "-wal", copy + "-shm" }) File.Delete(f);
            }
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
