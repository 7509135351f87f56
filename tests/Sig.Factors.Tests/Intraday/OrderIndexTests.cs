using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>The order-id index against a dictionary: dense ids stay array-indexed, sparse ids and shared ids move to hashing, rows never change.</summary>
public class OrderIndexTests
{
    private static (OrderIndex Index, Dictionary<(long, bool), int> Reference) Fill(IEnumerable<(long Id, bool Sell)> lookups)
    {
        var index = new OrderIndex();
        var reference = new Dictionary<(long, bool), int>();
        foreach (var (id, sell) in lookups)
        {
            int row = index.GetOrAdd(id, sell, reference.Count, out bool added);
            Assert.Equal(!reference.ContainsKey((id, sell)), added);
            if (added) reference[(id, sell)] = row;
            Assert.Equal(reference[(id, sell)], row);
        }
        Assert.Equal(reference.Count, index.Count);
        return (index, reference);
    }

    private static void AssertSame(OrderIndex index, Dictionary<(long, bool), int> reference)
    {
        foreach (var ((id, sell), row) in reference)
        {
            Assert.Equal(row, index.GetOrAdd(id, sell, -1, out bool added));
            Assert.False(added);
        }
    }

    [Fact]
    public void Dense_ids_in_any_order_stay_array_indexed()
    {
        // SZSE-like: ids are seq numbers with gaps, fills refer back to earlier orders (and below the first id seen).
        var rng = new Random(3);
        // Buy ids even, sell ids odd, as distinct seq numbers are.
        var lookups = Enumerable.Range(0, 30_000).Select(k => (Sell: k % 2 == 1, Back: rng.Next(0, 1500)))
            .Select((x, k) => (Id: 5_000_000L + 2L * (k - x.Back) + (x.Sell ? 1 : 0), x.Sell)).ToList();
        var (index, reference) = Fill(lookups);
        Assert.False(index.IsSparse);
        Assert.True(index.DenseSpan > 0);
        AssertSame(index, reference);
        var copy = index.Fork();
        index.GetOrAdd(9_999_999, false, 123_456, out _);
        AssertSame(copy, reference);
        Assert.Equal(-7, copy.GetOrAdd(9_999_999, false, -7, out bool added));
        Assert.True(added);
    }

    [Fact]
    public void Sparse_ids_move_to_hashing_with_the_rows_kept()
    {
        // A symbol among many in its channel: ids 5000 apart.
        var lookups = Enumerable.Range(0, 2_000).Select(k => (Id: 1L + 5000L * k, Sell: k % 3 == 0)).ToList();
        lookups.AddRange(lookups.Take(500)); // looked up again after the switch
        var (index, reference) = Fill(lookups);
        Assert.True(index.IsSparse);
        Assert.Equal(0, index.DenseSpan);
        AssertSame(index, reference);
    }

    [Fact]
    public void A_buy_and_a_sell_order_with_one_id_move_to_hashing()
    {
        var lookups = new List<(long, bool)> { (10, false), (11, true), (12, false), (11, false), (10, false), (11, true) };
        var (index, reference) = Fill(lookups);
        Assert.True(index.IsSparse);
        Assert.Equal(4, reference.Count);
        AssertSame(index, reference);
        index.Clear();
        Assert.False(index.IsSparse);
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.GetOrAdd(11, true, 0, out bool added));
        Assert.True(added);
    }

    [Fact]
    public void Forks_keep_their_rows_while_the_index_widens_and_writes_shared_pages()
    {
        // A fork after every round, as the shards snapshot; ids drift above and below the first
        // pages, so the table widens both ways between forks and writes pages the forks share.
        var rng = new Random(5);
        var index = new OrderIndex();
        var reference = new Dictionary<(long, bool), int>();
        var forks = new List<(OrderIndex Fork, Dictionary<(long, bool), int> Reference)>();
        for (int round = 0; round < 12; round++)
        {
            for (int k = 0; k < 3000; k++)
            {
                long id = 1_000_000 + (round % 2 == 0 ? 1 : -1) * (round * 4000L) + rng.Next(0, 4000);
                bool sell = id % 2 == 1;
                int row = index.GetOrAdd(id, sell, reference.Count, out bool added);
                if (added) reference[(id, sell)] = row;
            }
            Assert.False(index.IsSparse);
            forks.Add((index.Fork(), new Dictionary<(long, bool), int>(reference)));
            foreach (var (fork, expected) in forks)
            {
                Assert.Equal(expected.Count, fork.Count);
                AssertSame(fork, expected);
            }
        }
        // A fork that goes sparse (an id far away) moves only its own entries into its map.
        var last = forks[^1].Fork;
        Assert.Equal(reference.Count, last.GetOrAdd(999_999_999, true, reference.Count, out bool farAdded));
        Assert.True(farAdded);
        Assert.True(last.IsSparse);
        AssertSame(last, reference);
        Assert.False(index.IsSparse);
        AssertSame(index, reference);
        AssertSame(forks[^2].Fork, forks[^2].Reference);
        Assert.Equal(-1, index.GetOrAdd(999_999_999, true, -1, out farAdded));
        Assert.True(farAdded);
    }
}
