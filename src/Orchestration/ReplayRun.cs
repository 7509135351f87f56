using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Data.Features;
using Sig.Engine.Config;
using Sig.Engine.Output;
using Sig.Factors.Compute;
using Sig.Factors.Output;
using Sig.Replay.Store;

namespace Sig.Orchestration;

/// <summary>A store replay: the pipeline fed by stored days, its daily factors written into the feature store, and its manifest.</summary>
public static class ReplayRun
{
    /// <summary>
    /// How a replay with <paramref name="outputs"/> on <paramref name="backend"/> reads the store unless
    /// told: symbol by symbol when only the close is evaluated or the backend records every minute of
    /// such a day (the same outputs; a shard works through one symbol's state at a time), else minute
    /// by minute, as live.
    /// </summary>
    public static StoreReadOrder DefaultOrder(PipelineOutputs outputs, IComputeBackend backend) =>
        outputs == PipelineOutputs.Daily || backend.RecordsMinutes ? StoreReadOrder.BySymbol : StoreReadOrder.ByMinute;

    /// <summary>
    /// <paramref name="order"/> for a replay with <paramref name="outputs"/> on <paramref name="backend"/>
    /// (null: <see cref="DefaultOrder"/>); symbol by symbol every minute needs a backend that records minutes.
    /// </summary>
    public static StoreReadOrder OrderFor(StoreReadOrder? order, PipelineOutputs outputs, IComputeBackend backend) => order switch
    {
        null => DefaultOrder(outputs, backend),
        StoreReadOrder.BySymbol when outputs == PipelineOutputs.All && !backend.RecordsMinutes =>
            throw new ArgumentException($"the {backend.Name} backend cannot evaluate every minute of a store read symbol by symbol: use --read-order minute or --outputs daily"),
        _ => order.Value,
    };

    /// <summary>
    /// The pipeline fed by the tick store. With <paramref name="outputs"/> = Daily only the close is
    /// evaluated; its daily rows equal a full run's minute-240 rows, and the digest covers the daily
    /// outputs only (the manifest says so). The feature store is updated in a copy that replaces
    /// <paramref name="dbPath"/> only when the replay succeeded, so a refused replay (a corrupt day)
    /// leaves the database as it was, or none. The manifest counts every event the replay did not
    /// apply, as a live run's does. <paramref name="order"/>: how the store is read (<see cref="OrderFor"/>).
    /// <paramref name="onOutput"/> sees every output as it is produced (progress);
    /// the pipeline reuses its output buffers, so it copies what it keeps past its call.
    /// </summary>
    public static (RunManifest Manifest, FactorSnapshot? LastDaily) Run(TickStore ticks, IReadOnlyList<DateOnly> dates, EngineConfig config, int workers, string dbPath,
        PipelineOutputs outputs = PipelineOutputs.All, Action<MinuteOutput>? onOutput = null, StoreReadOrder? order = null)
    {
        FactorSnapshot? last = null;
        using var backend = StoreReplay.Backend(config, dayBatchAtClose: outputs == PipelineOutputs.Daily);
        var readOrder = OrderFor(order, outputs, backend);
        using var db = new AtomicFile(dbPath);
        if (File.Exists(db.Path)) File.Copy(db.Path, db.TempPath);
        RunManifest manifest;
        using (var features = new SqliteFeatureStore(db.TempPath))
        {
            var source = new StoreEventSource(dates, ticks.OpenDay, lanes: workers, order: readOrder);
            var stages = CloseStageWiring.For(config, db.TempPath);
            using var ownedStages = CloseStageWiring.Own(stages);
            // The minutes' buffers are reused once published: the close's rows are copied to be returned.
            var pipeline = StoreReplay.Run(config, workers, source, p => p.Outputs.Subscribe(o =>
            {
                onOutput?.Invoke(o);
                if (o.IsClose) last = o.Snapshot.Copy();
            }), daily: features, outputs: outputs, backend: backend, dailyBars: new DailyBarOutput(features, new TickStoreReferences(ticks)),
                closeStages: stages, reuseOutputBuffers: true);
            var counters = pipeline.Last?.Counters ?? default;
            manifest = RunManifest.For("replay", config, StoreReplay.InputHash(ticks, dates), backend.Name, workers) with
            {
                SimdWidth = backend.VectorWidth,
                BackendDevice = backend.Device,
                Outputs = outputs == PipelineOutputs.All ? "all" : "daily",
                ReadOrder = readOrder == StoreReadOrder.BySymbol ? "symbol" : "minute",
                From = dates[0].ToString("yyyy-MM-dd"), To = dates[^1].ToString("yyyy-MM-dd"),
                Events = counters.EventsApplied, LateEvents = counters.LateEvents,
                RejectedRows = counters.RejectedRows + counters.UnknownSymbolEvents, OutputDigest = pipeline.DigestHex,
                CloseStages = CloseStageWiring.ManifestEntries(stages),
                ModelFiles = [.. stages.OfType<Sig.Inference.InferenceStage>().SelectMany(s => s.UsedFiles)],
            };
            features.RecordRun("replay", manifest.OutputDigest, manifest.ToJson());
        }
        db.Commit(); // the feature store's connection is closed (its WAL checkpointed into the file) by now

        if (manifest.LateEvents + manifest.RejectedRows > 0)
            Console.Error.WriteLine($"warning: {manifest.LateEvents:N0} stored event(s) not applied because their minute had closed (time before an earlier event's), "
                + $"{manifest.RejectedRows:N0} of symbols outside the day or refused; counted in the manifest (lateEvents, rejectedRows)");
        return (manifest, last);
    }
}
