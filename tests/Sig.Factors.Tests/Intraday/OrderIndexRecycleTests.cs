using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// Forks written into dropped indexes (<see cref="OrderIndex.Fork"/> with an index nothing refers
/// to any more): the fork and every index still held keep exactly the orders each was given.
/// </summary>
public class OrderIndexRecycleTests
{
    [Theory]
    [InlineData(1, 3, 0)]       // dense ids: pages (shared in place, copied, widened both ways)
    [InlineData(2, 50_000, 0)]  // sparse ids: the map
    [InlineData(3, 3, 1)]       // dense ids, days cleared between (free pages kept by a dropped index)
    [InlineData(4, 17, 1)]      // ids that go sparse partway
    public void Forks_into_dropped_indexes_leave_every_held_index_its_rows(int seed, int stride, int clears)
    {
        var rng = new Random(seed);
        var family = new List<(OrderIndex Index, Dictionary<(long, bool), int> Reference)> { (new OrderIndex(), new()) };
        int intoForks = 0;
        for (int step = 0; step < 600; step++)
        {
            int pick = rng.Next(family.Count);
            var (index, reference) = family[pick];
            int op = rng.Next(10);
            if (op < 2 && family.Count > 2)
            {
                // Drop another index and fork this one into it (as a shard's live book forks into
                // the book of a dropped snapshot).
                int drop = rng.Next(family.Count - 1);
                if (drop >= pick) drop++;
                var dropped = family[drop].Index;
                family.RemoveAt(drop);
                var fork = index.Fork(dropped);
                Assert.Same(dropped, fork);
                family.Add((fork, new Dictionary<(long, bool), int>(reference)));
                intoForks++;
            }
            else if (op < 3 && family.Count < 12)
            {
                family.Add((index.Fork(), new Dictionary<(long, bool), int>(reference)));
            }
            else if (op < 3 + clears && rng.Next(8) == 0)
            {
                index.Clear();
                reference.Clear();
            }
            else
            {
                // Ids near a moving front (the live side's pages widen upwards) and anywhere below.
                for (int k = 0; k < 30; k++)
                {
                    long id = 1 + (long)(rng.Next(4) == 0 ? rng.Next(0, 8000) : Math.Min(8000, step * 12 + rng.Next(0, 400))) * stride;
                    bool sell = id % 2 == 0;
                    int row = index.GetOrAdd(id, sell, out bool added);
                    Assert.Equal(!reference.ContainsKey((id, sell)), added);
                    if (added) reference[(id, sell)] = row;
                    Assert.Equal(reference[(id, sell)], row);
                }
            }
            if (step % 50 == 0) foreach (var (i, r) in family) AssertSame(i, r);
        }
        foreach (var (i, r) in family) AssertSame(i, r);
        Assert.True(intoForks > 30, $"only {intoForks} forks into dropped indexes");
    }

    private static void AssertSame(OrderIndex index, Dictionary<(long, bool), int> reference)
    {
        Assert.Equal(reference.Count, index.Count);
        foreach (var ((id, sell), row) in reference)
        {
            Assert.True(index.TryGet(id, sell, out int found), $"order {id} missing");
            Assert.Equal(row, found);
        }
    }
}
