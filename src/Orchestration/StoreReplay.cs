using System.Security.Cryptography;
using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Gpu;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Sig.Replay.Store;

namespace Sig.Orchestration;

/// <summary>Shared plumbing of the commands that run the pipeline: backend choice, running a source, date ranges, input hashing.</summary>
public static class StoreReplay
{
    // Shards run in parallel, so each backend call stays on its shard's thread.
    // With dayBatchAtClose (runs that evaluate only the close) an ILGPU backend runs each shard's day as one whole-day batch.
    public static IComputeBackend Backend(EngineConfig config, bool dayBatchAtClose = false) =>
        ComputeBackendSelector.Create(config.Compute.Backend, note => Console.Error.WriteLine(note), dayBatchAtClose: dayBatchAtClose);

    /// <summary>The configuration with compute.backend replaced by a command's --backend, when given.</summary>
    public static EngineConfig WithBackend(EngineConfig config, string? backend) =>
        backend is null ? config : config with { Compute = config.Compute with { Backend = backend } };

    /// <summary>
    /// Runs <paramref name="source"/> through a fresh pipeline to its end; <paramref name="attach"/> subscribes
    /// before the first input. Uses <paramref name="backend"/> if given (the caller disposes it), else the configured one.
    /// With <paramref name="reuseOutputBuffers"/> the minutes' rows and payloads are pooled: what
    /// <paramref name="attach"/> subscribes must copy anything it keeps past its call (see <see cref="MarketPipeline"/>).
    /// </summary>
    public static MarketPipeline Run(EngineConfig config, int shards, IMarketEventSource source, Action<MarketPipeline>? attach = null,
        IDailyFactorSink? daily = null, IReadOnlyList<IMinuteOutputSink>? sinks = null,
        PipelineOutputs outputs = PipelineOutputs.All, IComputeBackend? backend = null, DailyBarOutput? dailyBars = null,
        IReadOnlyList<ICloseStage>? closeStages = null, bool reuseOutputBuffers = false)
    {
        using var owned = backend is null ? Backend(config) : null;
        var pipeline = new MarketPipeline(config.BigOrder, backend ?? owned!, shards, config.Actors, sinks, daily,
            f => Console.Error.WriteLine(f.ToString()), outputs, dailyBars, closeStages, reuseOutputBuffers: reuseOutputBuffers);
        attach?.Invoke(pipeline);
        pipeline.RunAsync(source).GetAwaiter().GetResult();
        if (pipeline.Actors.Failures > 0) Console.Error.WriteLine($"{pipeline.Actors.Failures} actor failure(s), {pipeline.Actors.Restarts} restart(s)");
        return pipeline;
    }

    public static List<DateOnly> Dates(TickStore store, DateOnly from, DateOnly to)
    {
        var dates = store.Dates.Where(d => d >= from && d <= to).ToList();
        if (dates.Count == 0) throw new ArgumentException($"the store has no dates between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}");
        return dates;
    }

    /// <summary>SHA-256 over the day files' checksummed headers (date order): identifies the input data.</summary>
    public static string InputHash(TickStore store, IEnumerable<DateOnly> dates)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var d in dates)
        {
            using var day = store.OpenDay(d);
            h.AppendData(day.ContentHash);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
