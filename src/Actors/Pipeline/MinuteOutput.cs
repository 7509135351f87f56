using Sig.Factors.Daily;
using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Actors.Pipeline;

/// <summary>Counters of a pipeline run, summed over shards as of the last closed minute.</summary>
/// <param name="EventsApplied">Events applied to symbol states.</param>
/// <param name="LateEvents">Events that arrived after their minute had closed (counted, never applied).</param>
/// <param name="UnknownSymbolEvents">Events of symbols outside the day's universe.</param>
/// <param name="RejectedRows">Rows refused by the source (malformed, late, wrong date).</param>
public readonly record struct PipelineCounters(long EventsApplied, long LateEvents, long UnknownSymbolEvents, long RejectedRows)
{
    public static PipelineCounters operator +(PipelineCounters a, PipelineCounters b) =>
        new(a.EventsApplied + b.EventsApplied, a.LateEvents + b.LateEvents, a.UnknownSymbolEvents + b.UnknownSymbolEvents, a.RejectedRows + b.RejectedRows);
}

/// <summary>
/// One closed minute as the pipeline hands it on: the full cross-section, the output digest
/// chained through this minute (hex; filled in by the DigestChain, empty before it), and the
/// run's counters at that point.
/// </summary>
/// <param name="Snapshot">The cross-section as of the minute.</param>
/// <param name="Digest">The output digest chained through this minute (hex).</param>
/// <param name="Counters">The run's counters at this minute.</param>
/// <param name="SnapshotPayload">The canonical <c>factors.snapshot</c> bytes, as digested (published as is).</param>
/// <param name="DailyPayload">At the close, the canonical <c>factors.daily</c> bytes; otherwise null.</param>
/// <remarks>
/// In a pipeline that reuses its output buffers (<see cref="MarketPipeline"/>'s <c>reuseOutputBuffers</c>)
/// the rows of <see cref="Snapshot"/> and the payload bytes are pooled: they are the minute's only
/// while the sinks and observers are called, and the publisher returns them after the last one.
/// </remarks>
public sealed record MinuteOutput(FactorSnapshot Snapshot, string Digest, PipelineCounters Counters, OutputPayload SnapshotPayload, OutputPayload? DailyPayload)
{
    /// <summary>What the minute borrowed from the pipeline's pools (null: it owns its buffers); returned once by the publisher.</summary>
    internal MinuteBuffers? Buffers { get; init; }

    /// <summary>True for minute 240: the snapshot is also the day's daily factors.</summary>
    public bool IsClose => Snapshot.Minute == Sig.Engine.Time.SessionBars.BarsPerDay;

    /// <summary>At the close, the unadjusted daily bars of the symbols that traded (symbol order); otherwise null.</summary>
    public RawDailyBar[]? DailyBars { get; init; }

    /// <summary>At the close, what the close stages produced (scores, target weights), in stage order; otherwise empty.</summary>
    public IReadOnlyList<CloseProduct> CloseProducts { get; init; } = [];
}

/// <summary>
/// The pooled buffers of one closed minute: its rows (the batcher's joined copy, or with one
/// shard that shard's rows) and its payloads. The batcher creates it with the minute; the
/// stages after it pass the minute on without copying; the publisher, the minute's last reader
/// in the pipeline, returns everything once its sinks and observers are done (<see cref="Return"/>).
/// A minute dropped as poison before the publisher is never returned: its buffers are collected.
/// </summary>
internal sealed class MinuteBuffers(double[] rows, MinuteBufferPool<double>? rowPool, OutputPayload snapshotPayload, OutputPayload? dailyPayload)
{
    private int _returned;

    /// <summary>Returns the rows and payloads to their pools; once only.</summary>
    /// <exception cref="InvalidOperationException">Returned twice.</exception>
    public void Return()
    {
        if (Interlocked.Exchange(ref _returned, 1) != 0) throw new InvalidOperationException("a minute's buffers were returned twice");
        rowPool?.Return(rows);
        snapshotPayload.Release();
        dailyPayload?.Release();
    }
}

/// <summary>A downstream of the pipeline's outputs (NATS publisher, tests); called in minute order, one at a time.</summary>
public interface IMinuteOutputSink
{
    ValueTask PublishAsync(MinuteOutput output, CancellationToken cancellationToken);
}
