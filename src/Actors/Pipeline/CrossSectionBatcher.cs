using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The CrossSectionBatcher actor: waits until every shard has delivered its rows of a minute
/// (the minute watermark), joins them in shard order, which is symbol order, makes the
/// minute's payload bytes once — in a by-symbol day's read-out from the shards' texts of their rows,
/// formatted on their threads, so this stage only copies; minute by minute itself, after the join
/// and so off every shard's step — and hands the result on (the DigestChain digests those bytes). Each shard sends its minutes in
/// order, so minutes complete in order. A part that arrives twice (a shard retrying a
/// message after a failure) is ignored (with pooled rows it is left to the collector).
/// With <paramref name="pools"/> the joined rows and the payloads are written into pooled
/// buffers that travel with the minute (<see cref="MinuteBuffers"/>, returned by the publisher),
/// and the shards' part rows go back to their pools as soon as they are joined.
/// </summary>
internal sealed class CrossSectionBatcher(StageMemory memory, int shards, MinuteTimeline? timeline = null, OutputBufferPools? pools = null)
    : PipelineStage<ShardMinute>(memory), ISnapshotable
{
    private State _state = new();
    // Minute by minute the batcher writes the payloads itself (the shards' steps stay free of it), keeping
    // each cell's text from the last minute: quiet cells are copied, not formatted again.
    private readonly SnapshotPayloadWriter _payloads = new();

    protected override ValueTask HandleAsync(ShardMinute part)
    {
        var key = (part.Part.Date, part.Part.Minute);
        timeline?.Mark(MinutePoint.BatcherReceived, part.Part.Minute);
        if (_state.LastEmitted is { } last && key.CompareTo(last) <= 0) return ValueTask.CompletedTask;
        if (!_state.Pending.TryGetValue(key, out var parts)) _state.Pending[key] = parts = new ShardMinute?[shards];
        if (parts[part.Shard] is not null) return ValueTask.CompletedTask;
        parts[part.Shard] = part;
        if (parts.Any(p => p is null)) return ValueTask.CompletedTask;

        _state.Pending.Remove(key);
        _state.LastEmitted = key;
        var snapshot = Join(parts!);
        // The payloads are made once: digested by the DigestChain, published as the same bytes.
        bool close = snapshot.Minute == Sig.Engine.Time.SessionBars.BarsPerDay;
        OutputPayload snapshotPayload;
        OutputPayload? dailyPayload;
        if (parts.All(p => p!.ValueRows is not null))
        {
            // The shards wrote their parts' text (a by-symbol day's read-out): join the texts.
            var texts = Array.ConvertAll(parts, p => p!.ValueRows!);
            snapshotPayload = SnapshotPayloadWriter.Assemble(snapshot, false, texts, pools?.Payloads);
            dailyPayload = close ? SnapshotPayloadWriter.Assemble(snapshot, true, texts, pools?.Payloads) : null;
        }
        else
        {
            snapshotPayload = pools is null ? _payloads.Write(snapshot) : _payloads.Write(snapshot, false, pools.Payloads);
            dailyPayload = !close ? null : pools is null ? _payloads.Write(snapshot, daily: true) : _payloads.Write(snapshot, true, pools.Payloads);
        }
        var counters = parts.Aggregate(default(PipelineCounters), (sum, p) => sum + p!.Counters);
        var output = new MinuteOutput(snapshot, "", counters, snapshotPayload, dailyPayload)
        {
            DailyBars = dailyPayload is null ? null : [.. parts.SelectMany(p => p!.Bars ?? ArraySegment<Sig.Factors.Daily.RawDailyBar>.Empty)],
            Buffers = pools is null ? null
                : new MinuteBuffers(snapshot.Values, parts.Length == 1 ? parts[0]!.RowPool : pools.Rows, snapshotPayload, dailyPayload),
        };
        RequestSnapshot();
        Emit(0, output);
        // Joined, the parts' rows are read by nobody: this stage's snapshot after this message
        // holds no part of this minute, and a retry of the message could only happen before this
        // point. One part is the minute's rows themselves, returned with the minute.
        if (pools is not null && parts.Length > 1)
            foreach (var p in parts)
            {
                p!.RowPool?.Return(p.Part.Values);
                p.SeqPool?.Return(p.Part.LastSeq);
            }
        foreach (var p in parts) p!.ValueRows?.Release(); // pooled or not: joined into the payloads above, or not written

        timeline?.Mark(MinutePoint.BatcherEmitted, snapshot.Minute);
        return ValueTask.CompletedTask;
    }

    private FactorSnapshot Join(ShardMinute?[] parts)
    {
        if (parts.Length == 1) return parts[0]!.Part;
        int n = parts.Sum(p => p!.Part.Symbols.Length);
        var symbols = new SymbolCode[n];
        // Every element is written by the copies below, so a new array need not be zeroed.
        var values = pools?.Rows.Rent(n * FactorCatalog.Count) ?? GC.AllocateUninitializedArray<double>(n * FactorCatalog.Count);
        var lastSeq = new long[n];
        int at = 0;
        foreach (var p in parts)
        {
            var s = p!.Part;
            s.Symbols.CopyTo(symbols, at);
            s.Values.AsSpan(0, s.Symbols.Length * FactorCatalog.Count).CopyTo(values.AsSpan(at * FactorCatalog.Count));
            s.LastSeq.CopyTo(lastSeq, at);
            at += s.Symbols.Length;
        }
        var first = parts[0]!.Part;
        return new FactorSnapshot(first.Date, first.Minute, symbols, values, lastSeq);
    }

    public object Snapshot() => _state.Copy();

    public void Restore(object? snapshot) => _state = snapshot is State s ? s.Copy() : new State();

    /// <summary>The batcher's state at a persisted cut: every minute through <paramref name="minute"/> emitted, nothing pending.</summary>
    public static object Resumed(DateOnly date, int minute) => new State { LastEmitted = (date, minute) };

    private sealed class State
    {
        public Dictionary<(DateOnly, int), ShardMinute?[]> Pending { get; } = [];
        // Minutes complete in order, so everything up to the last one emitted is done: a late
        // repeat of a part cannot emit a minute twice.
        public (DateOnly, int)? LastEmitted { get; set; }

        public State Copy()
        {
            var c = new State();
            foreach (var kv in Pending) c.Pending[kv.Key] = (ShardMinute?[])kv.Value.Clone();
            c.LastEmitted = LastEmitted;
            return c;
        }
    }
}

/// <summary>The pools a pipeline that reuses its output buffers shares between its batcher and publisher.</summary>
internal sealed class OutputBufferPools
{
    /// <summary>The batcher's joined rows of a minute (with more than one shard).</summary>
    public MinuteBufferPool<double> Rows { get; } = new();

    /// <summary>The snapshot and daily payloads.</summary>
    public MinuteBufferPool<byte> Payloads { get; } = new();
}
