using NATS.Client.Core;
using Sig.Actors.Live;
using Sig.Data.Features;
using Sig.Engine.Config;

namespace Sig.Orchestration;

/// <summary>What a live run is asked for beyond the configuration (the `engine live` options).</summary>
public sealed record LiveRunOptions
{
    /// <summary>Journal directory (created; reopened and recovered on restart).</summary>
    public required string JournalDirectory { get; init; }

    /// <summary>Directory whose features.db receives the daily factors at the close; none when null.</summary>
    public string? StoreDirectory { get; init; }

    /// <summary>End once the session close has been processed and published.</summary>
    public bool StopAfterClose { get; init; }

    /// <summary>A plain core-NATS subscription instead of the durable JetStream consumer.</summary>
    public bool Core { get; init; }

    /// <summary>Durable consumer name.</summary>
    public string Durable { get; init; } = "sig-engine";

    /// <summary>SymbolShard actors (default: replay.workers).</summary>
    public int? Shards { get; init; }
}

/// <summary>A live run: the session over NATS with the configured backend, feature store and close stages; its run recorded in the store.</summary>
public static class LiveRun
{
    /// <summary>
    /// Runs the live session until <paramref name="stop"/> or, with <see cref="LiveRunOptions.StopAfterClose"/>,
    /// the close; records the run in the feature store when there is one. Throws
    /// <see cref="OperationCanceledException"/> when stopped before the session was up.
    /// </summary>
    public static async Task<LiveResult> RunAsync(EngineConfig config, NatsOpts nats, LiveRunOptions options, TextWriter log, CancellationToken stop)
    {
        string? db = options.StoreDirectory is { } dir ? Path.Combine(dir, "features.db") : null;
        if (db is not null) Directory.CreateDirectory(Path.GetDirectoryName(db)!);
        using var features = db is null ? null : new SqliteFeatureStore(db);
        int shards = options.Shards ?? config.Replay.Workers;
        using var backend = StoreReplay.Backend(config);
        var session = new LiveSession(config, nats, new LiveSessionOptions
        {
            JournalDirectory = options.JournalDirectory,
            StopAfterClose = options.StopAfterClose,
            Source = new LiveSourceOptions { JetStream = !options.Core && config.Nats.JetStream, Durable = options.Durable },
            Shards = shards,
            BeforeOpen = PipelineWarmUp.BeforeOpen(config, shards, log),
        }, backend, features, log, CloseStageWiring.For(config, db));
        var result = await session.RunAsync(stop);
        features?.RecordRun("live", result.OutputDigest, result.Manifest.ToJson());
        return result;
    }
}
