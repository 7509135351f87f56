using Sig.Actors.Pipeline;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Cluster;

/// <summary>Marks the messages that cross node boundaries; they are bound to <see cref="ClusterMessageSerializer"/>.</summary>
public interface IClusterMessage;

/// <summary>
/// One symbol shard's rows of a closed minute, sent by the shard entity to the cross-section
/// singleton until the singleton confirms the minute is published (<see cref="RowsTaken"/>).
/// The rows are exactly what the single-process SymbolShard hands the batcher.
/// </summary>
/// <param name="Shard">The shard (symbol range) index, 0-based.</param>
/// <param name="Part">The shard's symbols (ascending), their 27 values each and last seqs.</param>
/// <param name="Counters">The shard's counters as of this minute.</param>
/// <param name="Bars">At the close, the shard's unadjusted daily bars; otherwise null.</param>
public sealed record ShardRows(int Shard, FactorSnapshot Part, PipelineCounters Counters, RawDailyBar[]? Bars) : IClusterMessage
{
    /// <summary>The minute the rows belong to (date first, so minutes of later days sort after).</summary>
    public (DateOnly Date, int Minute) Key => (Part.Date, Part.Minute);

    /// <summary>
    /// At the close, the reference rows of the shard's symbols as its md parser has them (what
    /// the single-process DailyRollup adjusts the daily bars by); the singleton joins the
    /// shards' rows in shard = symbol order. Null otherwise, or when the parser has none for the date.
    /// </summary>
    public DailyReferenceSet? References { get; init; }
}

/// <summary>Singleton → shard: every minute up to and including this one is published (in SIG_OUT); <paramref name="Digest"/> is the output digest through it.</summary>
public sealed record RowsTaken(int Shard, DateOnly Date, int Minute, string Digest) : IClusterMessage;

/// <summary>Starts (or touches) the shard entity <paramref name="EntityId"/>; each node sends one per shard when it joins.</summary>
public sealed record StartShard(string EntityId) : IClusterMessage;
