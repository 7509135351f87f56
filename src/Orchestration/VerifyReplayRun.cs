using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Output;

namespace Sig.Orchestration;

/// <summary>
/// A live run's journal replayed through the same engine, to compare its output digest with the
/// one the live run recorded (`engine verify-replay`). A live run with close stages is verified
/// with its feature store: the stages run again on a copy of it, the store itself is not changed.
/// </summary>
public static class VerifyReplayRun
{
    /// <summary>
    /// Why the journal in <paramref name="journalDirectory"/> cannot be verified, or null. A journal that begins after a
    /// cut (<see cref="Sig.Engine.Journal.JournalStart"/>: a cluster shard restored on a machine without its earlier
    /// journal) cannot: the replay runs the whole market from input 1 through one engine, and the inputs before the
    /// journal's first record live only in that shard's cut, which holds the state of its own symbol range.
    /// </summary>
    public static string? CannotVerify(string journalDirectory) =>
        Sig.Engine.Journal.JournalStart.Read(journalDirectory) is { } start
            ? $"{journalDirectory} begins after input {start.AfterSequence} (stream sequence {start.SourceSeq}; the inputs before it are in {start.Origin}): "
              + "verify-replay replays a whole day from input 1, and a shard's cut holds only its own symbol range's state; "
              + "verify a journal of the day that begins at input 1 (another shard's, or this shard's on the node it ran on before)"
            : null;

    /// <summary>
    /// The replayed pipeline and the live run's manifest, from the journal <paramref name="journalDirectory"/>;
    /// several directories separated by commas are the shard journals of a partitioned cluster, replayed
    /// merged by stream sequence (<see cref="MergedJournalEventSource"/>) against the first one's manifest.
    /// </summary>
    public static (MarketPipeline Replayed, RunManifest Live) Run(EngineConfig config, string journalDirectory, string? storeDirectory)
    {
        string[] dirs = journalDirectory.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (dirs.Length == 0) throw new ArgumentException("--journal: no directory");
        foreach (string d in dirs)
            if (CannotVerify(d) is { } why) throw new InvalidDataException(why);
        string dir = dirs[0];
        string manifestPath = Path.Combine(dir, LiveSession.ManifestFileName);
        if (!File.Exists(manifestPath)) throw new FileNotFoundException($"no live manifest at {manifestPath}");
        var live = RunManifest.FromJson(File.ReadAllText(manifestPath));
        string? liveDb = storeDirectory is { } sd ? Path.Combine(sd, "features.db") : null;
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
            IMarketEventSource source = dirs.Length == 1 ? new JournalEventSource(dir) : new MergedJournalEventSource(dirs);
            var run = StoreReplay.Run(config, config.Replay.Workers, source, daily: features,
                closeStages: CloseStageWiring.For(config, copy));
            return (run, live);
        }
        finally
        {
            if (copy is not null) foreach (var f in new[] { copy, copy + "-wal", copy + "-shm" }) File.Delete(f);
        }
    }
}
