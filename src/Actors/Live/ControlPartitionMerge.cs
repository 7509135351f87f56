namespace Sig.Actors.Live;

/// <summary>The two inputs of a partitioned shard: its partition's trade and order messages, and the control messages (clock, reference).</summary>
public enum MdSide
{
    /// <summary>The consumer filtered to the shard's partition (<c>md.*.*.&lt;k&gt;</c>).</summary>
    Partition = 0,
    /// <summary>The consumer filtered to the unpartitioned control subjects (<c>md.*</c>).</summary>
    Control = 1,
}

/// <summary>
/// Merges the deliveries of a shard's two filtered consumers by stream sequence into one
/// ordered input: exactly the subsequence of the stream the shard's filters select, in stream
/// order, whatever the timing of the two consumers. A message is taken only when the other side
/// cannot still deliver one below it: the other side's head is later, or the other side is known
/// through the message's sequence − 1. A side is known through what it delivered (each consumer
/// delivers its filter in stream order) and through a <b>fence</b>: the caller asks the stream
/// for the side's next message after what is known and reports that nothing of the side lies up
/// to the fence (<see cref="Fence"/>); <see cref="Waiting"/> says which side needs one.
/// </summary>
/// <typeparam name="T">The delivered message.</typeparam>
public sealed class ControlPartitionMerge<T>
{
    private readonly Queue<(ulong Seq, T Item)>[] _queues = [new(), new()];
    private readonly ulong[] _known = new ulong[2];
    private readonly ulong[] _lastAdded = new ulong[2];

    /// <param name="emittedThrough">The stream sequence the merged input resumes after (the last journaled one).</param>
    public ControlPartitionMerge(ulong emittedThrough)
    {
        Emitted = emittedThrough;
        _known[0] = _known[1] = _lastAdded[0] = _lastAdded[1] = emittedThrough;
    }

    /// <summary>The stream sequence of the last message taken.</summary>
    public ulong Emitted { get; private set; }

    /// <summary>Messages delivered and not yet taken.</summary>
    public int Queued => _queues[0].Count + _queues[1].Count;

    /// <summary>Every message of <paramref name="side"/> at or below this sequence has been added (delivered or fenced).</summary>
    public ulong KnownThrough(MdSide side) => _known[(int)side];

    /// <summary>The highest sequence added on <paramref name="side"/>.</summary>
    public ulong LastAdded(MdSide side) => _lastAdded[(int)side];

    /// <summary>
    /// Adds a delivery of <paramref name="side"/>; false (nothing added) for a repeated delivery (at or
    /// below the side's last one, or the resume point). A delivery at or below a fence that was not
    /// delivered before means the fence was wrong: the merge would have taken messages out of order.
    /// </summary>
    public bool Add(MdSide side, ulong seq, T item)
    {
        int s = (int)side;
        if (seq <= _lastAdded[s]) return false; // at or below the resume point too: the side starts known through it
        if (seq <= _known[s])
            throw new InvalidOperationException($"{side} delivered stream seq {seq} at or below its fence {_known[s]}: the merge cannot be in stream order");
        _queues[s].Enqueue((seq, item));
        _lastAdded[s] = _known[s] = seq;
        return true;
    }

    /// <summary>The stream holds no message of <paramref name="side"/> after what it delivered up to <paramref name="through"/>.</summary>
    public void Fence(MdSide side, ulong through)
    {
        int s = (int)side;
        if (through > _known[s]) _known[s] = through;
    }

    /// <summary>
    /// The side whose fence would let the other side's head be taken (it has nothing queued and is
    /// not known far enough), or null when a message can be taken or nothing is queued.
    /// </summary>
    public MdSide? Waiting
    {
        get
        {
            for (int s = 0; s < 2; s++)
            {
                int other = 1 - s;
                if (_queues[s].Count == 0 && _queues[other].Count > 0 && _known[s] < _queues[other].Peek().Seq - 1) return (MdSide)s;
            }
            return null;
        }
    }

    /// <summary>Takes the next message in stream order when no earlier one can still come; false when none can be taken yet.</summary>
    public bool TryTake(out MdSide side, out ulong seq, out T item)
    {
        side = default; seq = 0; item = default!;
        bool hasP = _queues[0].TryPeek(out var p), hasC = _queues[1].TryPeek(out var c);
        if (!hasP && !hasC) return false;
        int from = hasP && (!hasC || p.Seq < c.Seq) ? 0 : 1;
        var head = from == 0 ? p : c;
        int other = 1 - from;
        if (_queues[other].Count == 0 && _known[other] < head.Seq - 1) return false;
        _queues[from].Dequeue();
        side = (MdSide)from;
        seq = head.Seq;
        item = head.Item;
        Emitted = head.Seq;
        return true;
    }

    /// <summary>Removes every queued message (a reposition), handing each to <paramref name="drop"/>.</summary>
    public void Clear(Action<T> drop)
    {
        foreach (var q in _queues)
            while (q.TryDequeue(out var e)) drop(e.Item);
    }
}
