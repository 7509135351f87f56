using System.CommandLine;
using Sig.Actors.Live;
using Sig.Actors.Sources;
using Sig.Engine.Output;
using Sig.Inference;
using Sig.Replay.Features;
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
        var store = new Option<DirectoryInfo?>("--store") { Description = "The live run's feature store directory (needed when inference is configured; read from a copy, never changed)" };
        var cmd = new Command("verify-replay", "Replay a live run's journal and check that its output digest equals the live one") { journal, store };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            string dir = parse.GetValue(journal)!.FullName;
            string manifestPath = Path.Combine(dir, LiveSession.ManifestFileName);
            if (!File.Exists(manifestPath)) throw new FileNotFoundException($"no live manifest at {manifestPath}");
            var live = RunManifest.FromJson(File.ReadAllText(manifestPath));
            var run = Replay(config, dir, parse.GetValue(store)?.FullName);
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

    /// <summary>
    /// The journal through the pipeline. With inference configured, the close stages score from a
    /// temporary copy of the live feature store (the day's rows are written into it again, equal to
    /// the live ones; a date's inputs read nothing after it), so the scores are re-made, not copied.
    /// </summary>
    private static Sig.Actors.Pipeline.MarketPipeline Replay(Config.EngineConfig config, string journalDir, string? storeDir)
    {
        if (config.Inference is not { Models.Length: > 0 }) return StoreReplay.Run(config, config.Replay.Workers, new JournalEventSource(journalDir));
        if (storeDir is null) throw new ArgumentException("inference.models is configured: verify-replay needs --store (the live run's feature store directory)");
        string copy = Path.Combine(Path.GetTempPath(), $"sig-verify-{Guid.NewGuid():N}.db");
        File.Copy(DailyBarsExport.DatabaseOf(storeDir), copy);
        try
        {
            using var features = new SqliteFeatureStore(copy);
            return StoreReplay.Run(config, config.Replay.Workers, new JournalEventSource(journalDir), daily: features,
                closeStages: InferenceStages.For(config.Inference, features));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(copy);
        }
    }
}
