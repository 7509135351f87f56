using System.Buffers.Binary;
using Sig.Actors.Runtime;

namespace Sig.Actors.Tests.Runtime;

/// <summary>Which values make <see cref="FoldBehavior"/> throw, and how many times each; shared by all instances of one actor.</summary>
public sealed class FailurePlan
{
    private readonly Dictionary<long, int> _remaining = [];

    public FailurePlan FailOn(long value, int times)
    {
        _remaining[value] = times;
        return this;
    }

    public int ReplayedMessages { get; private set; }

    public void Observe(ActorContext context)
    {
        if (context.IsReplaying) ReplayedMessages++;
    }

    public bool ShouldFail(long value)
    {
        if (!_remaining.TryGetValue(value, out int left) || left == 0) return false;
        _remaining[value] = left - 1;
        return true;
    }
}

/// <summary>
/// An order-sensitive fold over batches of longs (state = state·31 + v), snapshotting every
/// <c>snapshotEvery</c> messages. It throws in the middle of a batch, after part of the batch
/// has been folded, so a restart that did not restore would leave visibly wrong state.
/// Each handled batch is forwarded downstream when one is given (not while replaying).
/// </summary>
public sealed class FoldBehavior(FailurePlan plan, int snapshotEvery, ActorRef<long[]>? downstream = null) : IActorBehavior<long[]>, ISnapshotable
{
    public long State { get; private set; }
    public long Count { get; private set; }

    public async ValueTask HandleAsync(long[] batch, ActorContext context)
    {
        plan.Observe(context);
        foreach (long v in batch)
        {
            State = unchecked(State * 31 + v);
            Count++;
            if (plan.ShouldFail(v)) throw new InvalidOperationException($"cannot take {v}");
        }
        if (context.MessageNumber % snapshotEvery == 0) context.RequestSnapshot();
        if (downstream is not null && !context.IsReplaying) await downstream.SendAsync(batch);
    }

    public object Snapshot()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, State);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), Count);
        return bytes;
    }

    public void Restore(object? snapshot)
    {
        var bytes = (byte[]?)snapshot;
        State = bytes is null ? 0 : BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Count = bytes is null ? 0 : BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
    }
}

/// <summary>Records every value it sees, in order.</summary>
public sealed class RecordingBehavior(List<long> seen) : IActorBehavior<long[]>
{
    public ValueTask HandleAsync(long[] batch, ActorContext context)
    {
        lock (seen) seen.AddRange(batch);
        return ValueTask.CompletedTask;
    }
}
