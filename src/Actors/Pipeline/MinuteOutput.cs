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

    /// <summary>
    /// Keeps this minute's rows and payloads out of the pools until the lease is disposed, so a
    /// reader can use them after its observer call has returned (the live snapshot query, on
    /// another thread). Taken during a sink's or observer's call it always succeeds; afterwards
    /// only while another lease still holds the minute. Null: the buffers are back in their pools
    /// (or on their way there) and must not be read. A minute that owns its buffers is always leasable.
    /// </summary>
    public MinuteLease? TryLease() => Buffers is not { } buffers || buffers.TryHold() ? new MinuteLease(this) : null;

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
/// in the pipeline, gives up the pipeline's hold once its sinks and observers are done
/// (<see cref="Return"/>). A reader outside the pipeline may hold the minute longer
/// (<see cref="MinuteOutput.TryLease"/>): the buffers go back to their pools when the last holder
/// lets go. A minute dropped as poison before the publisher is never returned: its buffers are collected.
/// </summary>
internal sealed class MinuteBuffers(double[] rows, MinuteBufferPool<double>? rowPool, OutputPayload snapshotPayload, OutputPayload? dailyPayload)
{
    // The pipeline's hold plus one per lease; at 0 the buffers are in (or on their way to) the pools, for good.
    private int _holders = 1;
    private int _returned;

    /// <summary>The pipeline's hold ends (the publisher, once); the buffers go back now unless a lease still holds them.</summary>
    /// <exception cref="InvalidOperationException">Returned twice.</exception>
    public void Return()
    {
        if (Interlocked.Exchange(ref _returned, 1) != 0) throw new InvalidOperationException("a minute's buffers were returned twice");
        Drop();
    }

    /// <summary>One more holder, unless none is left (then the buffers may already be reused: false).</summary>
    public bool TryHold()
    {
        int holders = Volatile.Read(ref _holders);
        while (holders > 0)
        {
            int seen = Interlocked.CompareExchange(ref _holders, holders + 1, holders);
            if (seen == holders) return true;
            holders = seen;
        }
        return false;
    }

    /// <summary>A holder lets go; the last one returns the rows and payloads to their pools.</summary>
    public void Drop()
    {
        int left = Interlocked.Decrement(ref _holders);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException("a minute's buffers were let go more often than held");
        rowPool?.Return(rows);
        snapshotPayload.Release();
        dailyPayload?.Release();
    }
}

/// <summary>
/// A hold on one minute's pooled rows and payloads (<see cref="MinuteOutput.TryLease"/>): while
/// it is not disposed, <see cref="Output"/>'s rows and payload bytes are that minute's and no
/// pool hands them out again. Dispose once (a second dispose does nothing).
/// </summary>
public sealed class MinuteLease : IDisposable
{
    private int _disposed;

    internal MinuteLease(MinuteOutput output) => Output = output;

    /// <summary>The held minute (its buffers are readable until <see cref="Dispose"/>).</summary>
    public MinuteOutput Output { get; }

    /// <summary>Lets go of the minute; the last holder returns its buffers to the pools.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Output.Buffers?.Drop();
    }
}

/// <summary>A downstream of the pipeline's outputs (NATS publisher, tests); called in minute order, one at a time.</summary>
public interface IMinuteOutputSink
{
    ValueTask PublishAsync(MinuteOutput output, CancellationToken cancellationToken);
}
