using System.Buffers.Binary;
using Sig.Actors.Pipeline;

namespace Sig.Actors.Tests.Pipeline.Stages;

/// <summary>Which values make <see cref="FoldStage"/> throw, and how many times each; shared by all instances of one stage.</summary>
public sealed class FailurePlan
{
    private readonly Dictionary<long, int> _remaining = [];

    public FailurePlan FailOn(long value, int times)
    {
        _remaining[value] = times;
        return this;
    }

    public int ReplayedMessages { get; private set; }

    public void Observe(bool replaying)
    {
        if (replaying) ReplayedMessages++;
    }

    public bool ShouldFail(long value)
    {
        if (!_remaining.TryGetValue(value, out int left) || left == 0) return false;
        _remaining[value] = left - 1;
        return true;
    }
}

/// <summary>The fold's state as of its last handled message (written by whichever instance is current).</summary>
public sealed class FoldResult
{
    public long State { get; set; }
    public long Count { get; set; }
}

/// <summary>
/// An order-sensitive fold over batches of longs (state = state·31 + v), snapshotting every
/// <c>snapshotEvery</c> messages. It throws in the middle of a batch, after part of the batch
/// has been folded, so a restart that did not restore would leave visibly wrong state.
/// Each handled batch is forwarded downstream when the stage has one (never while replaying).
/// </summary>
internal sealed class FoldStage(StageMemory memory, FailurePlan plan, int snapshotEvery, FoldResult result, ReleaseLog? releases = null)
    : PipelineStage<long[]>(memory), ISnapshotable
{
    private long _state, _count;

    protected override void Released(long[] batch) => releases?.Add(batch);

    protected override ValueTask HandleAsync(long[] batch)
    {
        plan.Observe(IsReplaying);
        releases?.Reading(batch);
        foreach (long v in batch)
        {
            _state = unchecked(_state * 31 + v);
            _count++;
            if (plan.ShouldFail(v)) throw new InvalidOperationException($"cannot take {v}");
        }
        if (MessageNumber % snapshotEvery == 0) RequestSnapshot();
        result.State = _state;
        result.Count = _count;
        if (Downstreams > 0) Emit(0, batch);
        return ValueTask.CompletedTask;
    }

    public object Snapshot()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, _state);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), _count);
        return bytes;
    }

    public void Restore(object? snapshot)
    {
        var bytes = (byte[]?)snapshot;
        _state = bytes is null ? 0 : BinaryPrimitives.ReadInt64LittleEndian(bytes);
        _count = bytes is null ? 0 : BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
    }
}

/// <summary>Records every value it sees, in order (a terminal stage).</summary>
internal sealed class RecordingStage(StageMemory memory, List<long> seen) : PipelineStage<long[]>(memory)
{
    protected override async ValueTask HandleAsync(long[] batch)
    {
        await Task.Yield(); // asynchronous like the publisher: the mailbox waits for it
        lock (seen) seen.AddRange(batch);
    }
}

/// <summary>Which messages a stage released, how often, and whether it read one after releasing it (shared by all instances of one stage).</summary>
public sealed class ReleaseLog
{
    private readonly Dictionary<long[], int> _released = new(ReferenceEqualityComparer.Instance);

    /// <summary>Reads of a message after its release (a pooled buffer would already serve another batch).</summary>
    public int ReadsAfterRelease { get; private set; }

    public void Add(long[] batch)
    {
        lock (_released) _released[batch] = _released.GetValueOrDefault(batch) + 1;
    }

    public void Reading(long[] batch)
    {
        lock (_released) if (_released.ContainsKey(batch)) ReadsAfterRelease++;
    }

    public int TimesReleased(long[] batch)
    {
        lock (_released) return _released.GetValueOrDefault(batch);
    }
}
