using Sig.Engine.Persistence;
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
            int row = index.GetOrAdd(id, sell, out bool added);
            Assert.Equal(!reference.ContainsKey((id, sell)), added);
            if (added) reference[(id, sell)] = row;
            Assert.Equal(reference[(id, sell)], row);
        }
        Assert.Equal(reference.Count, index.Count);
        return (index, reference);
    }

    private static void AssertSame(OrderIndex index, Dictionary<(long, bool), int> reference)
    {
        Assert.Equal(reference.Count, index.Count);
        foreach (var ((id, sell), row) in reference)
        {
            Assert.True(index.TryGet(id, sell, out int found));
            Assert.Equal(row, found);
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
        index.GetOrAdd(5_070_000, false, out _);
        AssertSame(copy, reference);
        Assert.Equal(reference.Count, copy.GetOrAdd(5_070_000, false, out bool added));
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
        Assert.Equal(0, index.GetOrAdd(11, true, out bool added));
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
                int row = index.GetOrAdd(id, sell, out bool added);
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
        Assert.Equal(reference.Count, last.GetOrAdd(999_999_999, true, out bool farAdded));
        Assert.True(farAdded);
        Assert.True(last.IsSparse);
        AssertSame(last, new Dictionary<(long, bool), int>(reference) { [(999_999_999, true)] = reference.Count });
        Assert.False(index.IsSparse);
        AssertSame(index, reference);
        AssertSame(forks[^2].Fork, forks[^2].Reference);
        Assert.False(index.TryGet(999_999_999, true, out _));
        Assert.Equal(reference.Count, index.GetOrAdd(999_999_999, true, out farAdded));
        Assert.True(farAdded);
    }

    [Fact]
    public void The_fork_adds_to_shared_pages_in_place_and_the_original_sees_only_its_own_rows()
    {
        var snapshot = Fill(Enumerable.Range(0, 3000).Select(k => (Id: 100L + 3 * k, Sell: k % 2 == 1))).Index;
        var live = snapshot.Fork(); // as a shard's live state after a snapshot: it takes the append right
        var liveReference = new Dictionary<(long, bool), int>();
        for (int k = 0; k < 3000; k++) liveReference[(100L + 3 * k, k % 2 == 1)] = k;
        var snapshotReference = new Dictionary<(long, bool), int>(liveReference);
        // New orders between and after the shared ones: written into the shared pages, none copied.
        for (int k = 0; k < 3000; k++)
        {
            long id = 101L + 3 * k;
            liveReference[(id, false)] = live.GetOrAdd(id, false, out bool added);
            Assert.True(added);
        }
        Assert.Equal(0, live.PageCopies);
        AssertSame(live, liveReference);
        AssertSame(snapshot, snapshotReference);
        Assert.False(snapshot.TryGet(101, false, out _));
        // The original, written after all, copies what it writes and takes other rows for the same ids.
        snapshot.GetOrAdd(102, true, out bool snapAdded);
        snapshotReference[(102, true)] = 3000;
        Assert.True(snapAdded);
        Assert.Equal(1, snapshot.PageCopies);
        Assert.Equal(3000, snapshot.GetOrAdd(102, true, out _));
        Assert.Equal(3001, snapshot.GetOrAdd(101, true, out _)); // the live index has 101 as a buy order
        snapshotReference[(101, true)] = 3001;
        AssertSame(snapshot, snapshotReference);
        AssertSame(live, liveReference);
        Assert.False(live.TryGet(102, true, out _));
        Assert.False(live.IsSparse);
        Assert.False(snapshot.IsSparse);
    }

    [Theory]
    [InlineData(1, 3)]       // dense ids: pages
    [InlineData(2, 50_000)]  // sparse ids: the map, shared the same way
    public void Chains_of_forks_written_on_every_side_stay_independent(int seed, int stride)
    {
        // Any index of the family may be written or forked at any time (the live side, snapshots,
        // restores of a snapshot); each must keep exactly the orders it was given.
        var rng = new Random(seed);
        var family = new List<(OrderIndex Index, Dictionary<(long, bool), int> Reference)> { (new OrderIndex(), new()) };
        for (int step = 0; step < 400; step++)
        {
            int pick = rng.Next(family.Count);
            var (index, reference) = family[pick];
            if (rng.Next(4) == 0 && family.Count < 24)
            {
                family.Add((index.Fork(), new Dictionary<(long, bool), int>(reference)));
                continue;
            }
            for (int k = 0; k < 40; k++)
            {
                long id = 1 + (long)rng.Next(0, 6000) * stride;
                bool sell = id % 2 == 0;
                int row = index.GetOrAdd(id, sell, out bool added);
                Assert.Equal(!reference.ContainsKey((id, sell)), added);
                if (added) reference[(id, sell)] = row;
                Assert.Equal(reference[(id, sell)], row);
            }
        }
        foreach (var (index, reference) in family)
        {
            AssertSame(index, reference);
            if (reference.Count > 1) Assert.Equal(stride > 1000, index.IsSparse);
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)] // now and then a sell order takes the id of the buy order just added: the index hashes
    public void Rising_ids_added_without_reading_their_slot_keep_every_forks_rows(int seed, bool sidesShareIds)
    {
        // Sequence-number ids mostly rise, and an id above every id an index added is written without
        // its slot being read (on a page the index owns). Forks are taken along the way and every side
        // is written, with new ids above its own highest, earlier ids and ids it never saw.
        var rng = new Random(seed);
        var family = new List<(OrderIndex Index, Dictionary<(long, bool), int> Reference, long[] NextId)> { (new OrderIndex(), new(), [1]) };
        for (int step = 0; step < 300; step++)
        {
            var (index, reference, nextId) = family[rng.Next(family.Count)];
            if (rng.Next(5) == 0 && family.Count < 16)
            {
                family.Add((index.Fork(), new Dictionary<(long, bool), int>(reference), [nextId[0]]));
                continue;
            }
            for (int k = 0; k < 50; k++)
            {
                long id;
                if (rng.Next(3) > 0)
                {
                    id = nextId[0];
                    nextId[0] += 1 + rng.Next(4);
                }
                else id = 1 + rng.Next((int)nextId[0]);
                bool sell = id % 3 == 0; // one side per id, as distinct sequence numbers are
                int row = index.GetOrAdd(id, sell, out bool added);
                Assert.Equal(!reference.ContainsKey((id, sell)), added);
                if (added) reference[(id, sell)] = row;
                Assert.Equal(reference[(id, sell)], row);
                if (!sidesShareIds || rng.Next(200) != 0) continue;
                row = index.GetOrAdd(id, !sell, out added);
                Assert.Equal(!reference.ContainsKey((id, !sell)), added);
                if (added) reference[(id, !sell)] = row;
                Assert.Equal(reference[(id, !sell)], row);
            }
        }
        foreach (var (index, reference, _) in family)
        {
            AssertSame(index, reference);
            if (!sidesShareIds) Assert.False(index.IsSparse);
        }
        if (sidesShareIds) Assert.Contains(family, f => f.Index.IsSparse);
    }

    [Fact]
    public void A_day_of_sparse_ids_starts_the_next_day_sparse_with_its_map_sized()
    {
        var sparseDay = Enumerable.Range(0, 5_000).Select(k => (Id: 1L + 7919L * k, Sell: k % 3 == 0)).ToList();
        var (index, reference) = Fill(sparseDay);
        Assert.True(index.IsSparse);
        index.Clear();
        // The next day: no dense page is made, the map holds the day's orders without growing.
        int capacity = index.MapCapacity;
        Assert.True(capacity >= 2 * 5_000);
        foreach (var (id, sell) in sparseDay)
        {
            Assert.Equal(reference[(id, sell)], index.GetOrAdd(id, sell, out bool added));
            Assert.True(added);
            Assert.True(index.IsSparse);
            Assert.Equal(0, index.DenseSpan);
        }
        Assert.Equal(capacity, index.MapCapacity);
        AssertSame(index, reference);

        // A dense day after it ends sparse too (it started so), but its shape sends the day after back to pages.
        index.Clear();
        var denseDay = Fill(Enumerable.Range(0, 5_000).Select(k => (Id: 10_000L + 2 * k, Sell: false))).Reference;
        foreach (var (key, row) in denseDay) Assert.Equal(row, index.GetOrAdd(key.Item1, key.Item2, out _));
        Assert.True(index.IsSparse);
        index.Clear();
        foreach (var (key, row) in denseDay) Assert.Equal(row, index.GetOrAdd(key.Item1, key.Item2, out _));
        Assert.False(index.IsSparse);
        Assert.True(index.DenseSpan > 0);
        AssertSame(index, denseDay);
    }

    [Fact]
    public void Started_sparse_or_dense_the_same_lookups_give_the_same_rows()
    {
        var rng = new Random(9);
        var lookups = Enumerable.Range(0, 20_000).Select(_ => (Id: 1_000L + rng.Next(0, 30_000), Sell: false)).ToList();
        var dense = Fill(lookups);
        Assert.False(dense.Index.IsSparse);
        var startedSparse = Fill([(1L, false), (1L, true)]).Index; // a buy and a sell with one id: sparse
        startedSparse.Clear();
        foreach (var (id, sell) in lookups) startedSparse.GetOrAdd(id, sell, out _);
        Assert.True(startedSparse.IsSparse);
        AssertSame(startedSparse, dense.Reference);
    }

    [Fact]
    public void Clearing_after_a_fork_reuses_nothing_the_fork_sees()
    {
        var (index, reference) = Fill(Enumerable.Range(0, 4000).Select(k => (Id: 500L + k, Sell: false)));
        Assert.False(index.IsSparse);
        var fork = index.Fork();
        index.Clear();
        Fill2(index, Enumerable.Range(0, 4000).Select(k => (Id: 500L + k, Sell: true)));
        AssertSame(fork, reference);
        fork.Clear();
        Fill2(fork, Enumerable.Range(0, 4000).Select(k => (Id: 700L + k, Sell: true)));
        var again = index.Fork(); // the day's storage, shared once more
        Assert.Equal(3999, again.GetOrAdd(4499, true, out _));
        Assert.True(index.TryGet(4499, true, out int r) && r == 3999);
        Assert.False(index.TryGet(4499, false, out _));
        Assert.True(fork.TryGet(4699, true, out r) && r == 3999);
        Assert.False(fork.TryGet(600, false, out _));

        static void Fill2(OrderIndex into, IEnumerable<(long Id, bool Sell)> orders)
        {
            int n = 0;
            foreach (var (id, sell) in orders) Assert.Equal(n++, into.GetOrAdd(id, sell, out _));
        }
    }

    [Fact]
    public void A_day_past_32767_orders_forked_as_a_shard_keeps_every_forks_rows()
    {
        // Two orders per id pair (a buy at 2k, a sell at 2k + 1), forked every 10,000 rows as a shard snapshots.
        var index = new OrderIndex();
        var reference = new Dictionary<(long, bool), int>();
        var forks = new List<(OrderIndex Fork, Dictionary<(long, bool), int> Reference)>();
        for (int k = 0; k < OrderIndex.NarrowRows + 5_000; k++)
        {
            if (k % 10_000 == 0)
            {
                forks.Add((index, new Dictionary<(long, bool), int>(reference)));
                index = index.Fork(); // the live side goes on in the fork
            }
            long id = 7_000L + k;
            bool sell = id % 2 == 1;
            Assert.Equal(reference.Count, index.GetOrAdd(id, sell, out bool added));
            Assert.True(added);
            reference[(id, sell)] = reference.Count;
        }
        Assert.False(index.IsSparse);
        AssertSame(index, reference);
        foreach (var (fork, expected) in forks) AssertSame(fork, expected);
        // A snapshot from before the last rows, written after all, stays independent.
        var (old, oldReference) = forks[^1];
        long next = 7_000L + OrderIndex.NarrowRows + 5_000;
        Assert.Equal(oldReference.Count, old.GetOrAdd(next, next % 2 == 1, out _));
        Assert.False(index.TryGet(next, next % 2 == 1, out _));
        Assert.Equal(reference.Count, index.GetOrAdd(next, next % 2 == 1, out _));
        index.Clear();
        Assert.Equal(0, index.GetOrAdd(9, true, out _));
        Assert.True(index.TryGet(9, true, out int row) && row == 0);
    }

    [Fact]
    public void Pages_are_allocated_only_where_orders_are()
    {
        // Ids on the first and the sixth page of the range: the directory spans six pages, two hold slots.
        var lookups = new List<(long, bool)> { (50, false), (60, true), (5 * OrderIndex.PageSize + 7, false), (55, false), (60, true) };
        var (index, reference) = Fill(lookups);
        Assert.Equal(6 * OrderIndex.PageSize, index.DenseSpan);
        Assert.Equal(2, index.AllocatedPages);
        AssertSame(index, reference);
        Assert.False(index.TryGet(3 * OrderIndex.PageSize, false, out _));
        // A fork allocates its own page where neither had one; the original still sees none there.
        var fork = index.Fork();
        Assert.Equal(4, fork.GetOrAdd(3 * OrderIndex.PageSize, false, out bool added));
        Assert.True(added);
        Assert.Equal(3, fork.AllocatedPages);
        Assert.False(index.TryGet(3 * OrderIndex.PageSize, false, out _));
        Assert.Equal(4, index.GetOrAdd(3 * OrderIndex.PageSize + 1, true, out _));
        Assert.False(fork.TryGet(3 * OrderIndex.PageSize + 1, true, out _));
    }

    [Fact]
    public void Rows_are_kept_relative_to_each_page_so_a_day_past_32767_orders_stays_16_bit()
    {
        // Neighbouring ids first fill close together (as a tape's do): every page's rows lie within 1024 of its first.
        var lookups = Enumerable.Range(0, 3 * OrderIndex.NarrowRows).Select(k => (Id: 10_000L + 2 * k + (k % 2), Sell: k % 2 == 1)).ToList();
        var (index, reference) = Fill(lookups);
        Assert.False(index.IsSparse);
        Assert.Equal(0, index.WidePages);
        AssertSame(index, reference);
    }

    [Fact]
    public void A_page_whose_rows_spread_past_16_bits_goes_32_bit_alone_and_a_fork_before_keeps_its_page()
    {
        // Id 100 fills first (row 0); 40,000 later orders on other pages; then a neighbour of 100 fills:
        // its row is more than NarrowRows above its page's first, so that page alone becomes 32-bit.
        var lookups = new List<(long Id, bool Sell)> { (100, false) };
        lookups.AddRange(Enumerable.Range(0, 40_000).Select(k => (Id: 2_000L + k, Sell: k % 3 == 0)));
        var (index, reference) = Fill(lookups);
        var snapshot = index;
        var snapshotReference = new Dictionary<(long, bool), int>(reference);
        var live = snapshot.Fork();
        Assert.Equal(40_001, live.GetOrAdd(101, true, out bool added));
        Assert.True(added);
        reference[(101, true)] = 40_001;
        Assert.Equal(1, live.WidePages);
        Assert.Equal(0, live.GetOrAdd(100, false, out added)); // a hit on the 32-bit page
        Assert.False(added);
        Assert.Equal(40_002, live.GetOrAdd(102, false, out _));
        reference[(102, false)] = 40_002;
        AssertSame(live, reference);
        Assert.Equal(0, snapshot.WidePages);
        AssertSame(snapshot, snapshotReference);
        Assert.False(snapshot.TryGet(101, true, out _));
        // The snapshot written after all takes its own rows for the same ids.
        Assert.Equal(40_001, snapshot.GetOrAdd(102, true, out _));
        Assert.Equal(1, snapshot.WidePages);
        Assert.False(snapshot.TryGet(102, false, out _));
        Assert.True(live.TryGet(102, false, out int liveRow) && liveRow == 40_002);

        // Written and read back, the index gives the same rows and writes the same bytes.
        var writer = new SnapshotWriter();
        live.WriteTo(writer, live.Count);
        var bytes = writer.Written.ToArray();
        var restored = new OrderIndex();
        restored.ReadFrom(new SnapshotReader(bytes), live.Count);
        AssertSame(restored, reference);
        var again = new SnapshotWriter();
        restored.WriteTo(again, restored.Count);
        Assert.Equal(bytes, again.Written.ToArray());
        restored.Clear();
        Assert.Equal(0, restored.GetOrAdd(101, true, out _));
        Assert.Equal(0, restored.WidePages);
    }

    [Fact]
    public void A_fork_cleared_for_the_next_day_never_reuses_a_page_its_snapshot_sees()
    {
        var (snapshot, reference) = Fill(Enumerable.Range(0, 5000).Select(k => (Id: 1_000L + 2 * k, Sell: false)));
        var live = snapshot.Fork();
        live.GetOrAdd(1_001, true, out _); // written in place on a shared page
        live.Clear();
        // The next day's orders on the same ids: fresh pages, the snapshot's slots untouched.
        var (next, nextReference) = (live, new Dictionary<(long, bool), int>());
        for (int k = 0; k < 5000; k++) nextReference[(1_001L + 2 * k, true)] = next.GetOrAdd(1_001L + 2 * k, true, out _);
        AssertSame(snapshot, reference);
        AssertSame(next, nextReference);
        Assert.False(snapshot.TryGet(1_001, true, out _));
        // Pages only the cleared index saw are reused: once its free list has grown, a day allocates nothing.
        // The thread's allocation counter also sees the runtime's own rare allocations on it (once in a
        // loaded CI run a day counted some), so a few days are measured and one of them must be clean;
        // an index that did not reuse its pages would allocate pages every day.
        var allocated = new long[5];
        for (int day = 0; day < allocated.Length; day++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            next.Clear();
            for (int k = 0; k < 5000; k++) next.GetOrAdd(1_001L + 2 * k, true, out _);
            allocated[day] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(allocated.Skip(1).Min() == 0, $"bytes allocated per day: {string.Join(", ", allocated)}");
        AssertSame(snapshot, reference);
    }
}
