using Sig.Actors.Live;
using Xunit;

namespace Sig.Actors.Tests.Live;

/// <summary>
/// The merge of a partitioned shard's two consumers: it takes exactly the stream order, never a
/// message while the other side may still deliver an earlier one, whatever the interleaving of
/// the deliveries and the fences on either side.
/// </summary>
public class ControlPartitionMergeTests
{
    private static List<ulong> TakeAll(ControlPartitionMerge<string> merge)
    {
        var taken = new List<ulong>();
        while (merge.TryTake(out _, out ulong seq, out _)) taken.Add(seq);
        return taken;
    }

    [Fact]
    public void Both_sides_queued_are_taken_in_stream_order()
    {
        var merge = new ControlPartitionMerge<string>(0);
        foreach (ulong s in new ulong[] { 1, 3, 4, 7 }) merge.Add(MdSide.Partition, s, $"p{s}");
        foreach (ulong s in new ulong[] { 2, 5 }) merge.Add(MdSide.Control, s, $"c{s}");
        // 1..5 are certain; 7 waits: the control side may still hold 6.
        Assert.Equal([1UL, 2, 3, 4, 5], TakeAll(merge));
        Assert.Equal(MdSide.Control, merge.Waiting);
        merge.Fence(MdSide.Control, 6);
        Assert.Equal([7UL], TakeAll(merge));
        Assert.Null(merge.Waiting);
        Assert.Equal(7UL, merge.Emitted);
    }

    [Fact]
    public void A_partition_message_waits_for_the_control_fence_and_a_fence_below_it_holds_it_back()
    {
        var merge = new ControlPartitionMerge<string>(10);
        merge.Add(MdSide.Partition, 15, "p15");
        Assert.Empty(TakeAll(merge));
        Assert.Equal(MdSide.Control, merge.Waiting);
        merge.Fence(MdSide.Control, 12); // the stream has a control message at 13
        Assert.Empty(TakeAll(merge));
        merge.Add(MdSide.Control, 13, "c13");
        Assert.Equal([13UL], TakeAll(merge));
        Assert.Equal(MdSide.Control, merge.Waiting); // 14 might still be control
        merge.Fence(MdSide.Control, 20);
        Assert.Equal([15UL], TakeAll(merge));
    }

    [Fact]
    public void The_control_side_ahead_waits_for_the_partition_fence()
    {
        var merge = new ControlPartitionMerge<string>(0);
        merge.Add(MdSide.Control, 100, "clock");
        Assert.Empty(TakeAll(merge));
        Assert.Equal(MdSide.Partition, merge.Waiting);
        merge.Fence(MdSide.Partition, 40); // the partition's next message is 41
        Assert.Empty(TakeAll(merge));
        merge.Add(MdSide.Partition, 41, "p41");
        merge.Add(MdSide.Partition, 99, "p99");
        // The partition delivers in stream order: after 41 its next is 99, so 42..98 are not its; the clock at 100 follows.
        Assert.Equal([41UL, 99, 100], TakeAll(merge));
        Assert.Null(merge.Waiting);
        merge.Add(MdSide.Partition, 120, "p120");
        Assert.Empty(TakeAll(merge));
        Assert.Equal(MdSide.Control, merge.Waiting);
    }

    [Fact]
    public void Consecutive_sequences_need_no_fence_and_empty_sides_take_nothing()
    {
        var merge = new ControlPartitionMerge<string>(5);
        Assert.Empty(TakeAll(merge));
        Assert.Null(merge.Waiting);
        merge.Add(MdSide.Partition, 6, "p6"); // the control side is known through 5: nothing can come before 6
        Assert.Equal([6UL], TakeAll(merge));
        merge.Add(MdSide.Control, 7, "c7");
        Assert.Equal([7UL], TakeAll(merge));
        Assert.Null(merge.Waiting);
    }

    [Fact]
    public void Repeated_deliveries_are_refused_and_one_below_a_fence_is_an_error()
    {
        var merge = new ControlPartitionMerge<string>(10);
        Assert.False(merge.Add(MdSide.Partition, 9, "journaled already"));
        Assert.True(merge.Add(MdSide.Partition, 12, "p12"));
        Assert.False(merge.Add(MdSide.Partition, 12, "again"));
        merge.Fence(MdSide.Control, 30);
        Assert.Throws<InvalidOperationException>(() => merge.Add(MdSide.Control, 20, "c20 below its fence"));
    }

    [Fact]
    public void Any_interleaving_of_deliveries_and_fences_gives_the_stream_order()
    {
        // A stream of 400 messages, each on one side; deliveries of the two sides interleave at random,
        // fences are what the stream would answer at that moment (the side's next message − 1, or the stream's end).
        for (int seed = 0; seed < 50; seed++)
        {
            var random = new Random(seed);
            var sides = Enumerable.Range(0, 401).Select(_ => random.Next(4) == 0 ? MdSide.Control : MdSide.Partition).ToArray();
            var bySide = new[] { MdSide.Partition, MdSide.Control }.Select(s => new Queue<ulong>(Enumerable.Range(1, 400).Where(i => sides[i] == s).Select(i => (ulong)i))).ToArray();
            var merge = new ControlPartitionMerge<string>(0);
            var taken = new List<ulong>();
            while (taken.Count < 400)
            {
                int side = random.Next(2);
                switch (random.Next(3))
                {
                    case 0 when bySide[side].Count > 0:
                        merge.Add((MdSide)side, bySide[side].Dequeue(), "m");
                        break;
                    case 1 when merge.Waiting is { } waiting:
                        ulong from = merge.KnownThrough(waiting) + 1;
                        ulong? next = Enumerable.Range((int)from, 400 - (int)from + 1).Select(i => (ulong)i).Cast<ulong?>().FirstOrDefault(i => sides[(int)i!] == waiting);
                        merge.Fence(waiting, next is { } c ? c - 1 : 400);
                        break;
                    default:
                        taken.AddRange(TakeAll(merge));
                        break;
                }
            }
            Assert.Equal(Enumerable.Range(1, 400).Select(i => (ulong)i), taken);
        }
    }
}
