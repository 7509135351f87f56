using Sig.Engine.Config;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The bucketed big-order sums against a plain reconstruction: orders rebuilt from the same
/// fills in a dictionary, every order tested against θ, sums taken in a loop. All integers, so
/// the two must agree exactly, at many points of the day (θ moves with every fill).
/// </summary>
public class BigOrderBookTests
{
    private sealed class Order
    {
        public long Amount, Early, LogRet, EarlyActive, Submitted;
        public bool Sell;
    }

    private static (BigOrderSums Sums, int Count) Reference(Dictionary<(long, bool), Order> orders, BigOrderSizing sizing, double k, long floor)
    {
        long Size(Order o) => sizing == BigOrderSizing.Submitted && o.Submitted > 0 ? o.Submitted : o.Amount;
        var list = orders.Values.ToList();
        Int128 sum = 0, sq = 0;
        foreach (var o in list) { sum += Size(o); sq += (Int128)Size(o) * Size(o); }
        var theta = new BigOrderThreshold(list.Count, sum, sq, k, floor);
        var r = new BigOrderSums();
        if (theta.NoneBig) return (r, list.Count);
        foreach (var o in list.Where(o => theta.IsBig(Size(o))))
        {
            r.Amount += o.Amount;
            if (o.Sell) r.EarlySell += o.Early; else r.EarlyBuy += o.Early;
            r.LogReturn += o.LogRet;
            r.EarlyActiveLogReturn += o.EarlyActive;
        }
        return (r, list.Count);
    }

    [Theory]
    [InlineData(1, BigOrderSizing.Filled, 1.0, 0L)]
    [InlineData(2, BigOrderSizing.Filled, 0.0, 0L)]
    [InlineData(3, BigOrderSizing.Filled, 2.5, 0L)]
    [InlineData(4, BigOrderSizing.Filled, -0.5, 0L)]
    [InlineData(5, BigOrderSizing.Filled, 1.0, 30_000_000L)]
    [InlineData(6, BigOrderSizing.Submitted, 1.0, 0L)]
    [InlineData(7, BigOrderSizing.Submitted, 0.7, 5_000_000L)]
    public void Bucket_sums_equal_a_scan_of_every_order(int seed, BigOrderSizing sizing, double k, long floor)
    {
        var rng = new Random(seed);
        var book = new BigOrderBook(sizing);
        var orders = new Dictionary<(long, bool), Order>();
        var submitted = new Dictionary<(long, bool), long>();
        long lastLog = 0;
        for (int step = 1; step <= 3000; step++)
        {
            if (sizing == BigOrderSizing.Submitted && rng.Next(3) == 0)
            {
                long id = rng.Next(1, 400);
                bool sell = rng.Next(2) == 0;
                long size = rng.Next(1, 200) * 100L * rng.Next(50_000, 150_000);
                book.AddSubmitted(id, sell, size / 100, 100);
                submitted[(id, sell)] = size / 100 * 100;
                continue;
            }
            long buy = rng.Next(10) == 0 ? 0 : rng.Next(1, 400), sellId = rng.Next(10) == 0 ? 0 : rng.Next(1, 400);
            // Heavy-tailed amounts: many small fills, a few large ones, some exactly equal.
            long amount = rng.Next(4) == 0 ? 1_000_000 : (long)(Math.Exp(rng.NextDouble() * 9) * 100_000);
            long log = SymbolDayState.FixedLog(rng.Next(95_000, 105_000));
            long logRet = step == 1 ? 0 : log - lastLog;
            lastLog = log;
            bool early = rng.Next(3) == 0;
            byte aggressor = (byte)"BSN"[rng.Next(3)];
            book.AddFill(buy, sellId, amount, logRet, early, aggressor);
            foreach (var (id, sell) in new[] { (buy, false), (sellId, true) })
            {
                if (id == 0) continue;
                if (!orders.TryGetValue((id, sell), out var o))
                {
                    orders[(id, sell)] = o = new Order { Sell = sell };
                    if (submitted.TryGetValue((id, sell), out long s)) o.Submitted = s;
                }
                o.Amount += amount;
                o.LogRet += logRet;
                if (early) o.Early += amount;
                if (early && aggressor == (sell ? (byte)'S' : (byte)'B')) o.EarlyActive += logRet;
            }
            if (step % 37 != 0 && step != 3000) continue;
            var (expected, count) = Reference(orders, sizing, k, floor);
            Assert.Equal(count, book.Count);
            var actual = book.SumBig(new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, k, floor));
            Assert.Equal(expected.Amount, actual.Amount);
            Assert.Equal(expected.EarlyBuy, actual.EarlyBuy);
            Assert.Equal(expected.EarlySell, actual.EarlySell);
            Assert.Equal(expected.LogReturn, actual.LogReturn);
            Assert.Equal(expected.EarlyActiveLogReturn, actual.EarlyActiveLogReturn);
        }
    }

    [Fact]
    public void A_copy_is_equal_and_independent()
    {
        var book = new BigOrderBook();
        for (int i = 1; i <= 50; i++) book.AddFill(i, 100 + i % 7, i * 1000L, i, i < 20, (byte)'B');
        int count = book.Count;
        var copy = book.Fork();
        var theta = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, 1.0, 0);
        var before = book.SumBig(theta);
        Assert.Equal(before, copy.SumBig(theta));
        book.AddFill(1, 101, 10_000_000, 5, false, (byte)'S');
        Assert.NotEqual(before, book.SumBig(theta));
        Assert.Equal(before, copy.SumBig(theta));
        Assert.Equal(count, copy.Count);
    }

    internal static void AssertEqualBooks(BigOrderBook expected, BigOrderBook actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.SizeSum, actual.SizeSum);
        Assert.Equal(expected.SizeSquareSum, actual.SizeSquareSum);
        Assert.Equal(expected.BuyAmountSquareSum, actual.BuyAmountSquareSum);
        Assert.Equal(expected.SellAmountSquareSum, actual.SellAmountSquareSum);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected.ClassificationSizeOf(i), actual.ClassificationSizeOf(i));
        foreach (double k in new[] { -0.5, 0.0, 1.0, 2.5 })
        {
            var theta = new BigOrderThreshold(expected.Count, expected.SizeSum, expected.SizeSquareSum, k, 0);
            Assert.Equal(expected.SumBig(theta), actual.SumBig(theta));
        }
    }

    // What a book answers: its moments and the big-order sums at a few θ (integers: comparable exactly).
    internal static string Image(BigOrderBook book) =>
        $"{book.Count} {book.SizeSum} {book.SizeSquareSum} {book.BuyAmountSquareSum} {book.SellAmountSquareSum} " + string.Join(" ",
            new[] { -0.5, 0.0, 1.0, 2.5 }.Select(k => book.SumBig(new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, k, 0))));

    [Theory]
    [InlineData(11, 1L)]     // dense ids: the array-indexed path
    [InlineData(12, 9973L)]  // sparse ids: the hashed path
    public void Forks_share_storage_yet_each_stays_equal_to_its_own_fills(int seed, long idStride)
    {
        // As a shard snapshots: a fork after every round of fills, many fills in between (old
        // orders filled again, new orders added, orders moving between buckets). A twin that is
        // never forked receives the same fills; every earlier fork must keep its image while the
        // book writes the chunks, pages and octaves they share.
        var rng = new Random(seed);
        var book = new BigOrderBook();
        var twin = new BigOrderBook();
        var forks = new List<(BigOrderBook Fork, string Image)>();
        int nextId = 1;
        for (int round = 0; round < 12; round++)
        {
            for (int f = 0; f < 400; f++)
            {
                if (rng.Next(3) == 0 || nextId < 10) nextId++;
                // Buy ids odd, sell ids even: one id never names orders of both sides.
                long buy = 1 + 2 * (rng.Next(4) == 0 ? rng.Next(0, nextId) : nextId) * idStride;
                long sell = 2 + 2 * (rng.Next(4) == 0 ? rng.Next(0, nextId) : nextId + 1) * idStride;
                long amount = (long)(Math.Exp(rng.NextDouble() * 8) * 10_000);
                long logRet = rng.Next(-500, 500);
                bool early = rng.Next(2) == 0;
                byte aggressor = (byte)"BSN"[rng.Next(3)];
                book.AddFill(buy, sell, amount, logRet, early, aggressor);
                twin.AddFill(buy, sell, amount, logRet, early, aggressor);
            }
            AssertEqualBooks(twin, book);
            AssertMembers(book);
            forks.Add((book.Fork(), Image(twin)));
            AssertEqualBooks(twin, forks[^1].Fork);
            if (round == 5)
            {
                // A fork written itself changes only itself.
                var written = forks[^1].Fork;
                written.AddFill(1, 2, 5_000_000, 7, true, (byte)'B');
                forks[^1] = (written, Image(written));
                AssertEqualBooks(twin, book);
            }
            foreach (var (fork, image) in forks) Assert.Equal(image, Image(fork));
        }
        // A fork continued with the same fills stays equal to the original continued.
        var restored = forks[^1].Fork.Fork();
        for (int f = 0; f < 300; f++)
        {
            long buy = 1 + 2 * rng.Next(0, nextId + 50) * idStride, amount = rng.Next(1, 5_000_000);
            book.AddFill(buy, 0, amount, 3, false, (byte)'B');
            restored.AddFill(buy, 0, amount, 3, false, (byte)'B');
        }
        AssertEqualBooks(book, restored);
        foreach (var (fork, image) in forks) Assert.Equal(image, Image(fork));
        Assert.Equal(idStride > 1, book.SparseIds);
        // Cleared, a fork's pieces stay with the other book.
        var image11 = Image(forks[^1].Fork);
        book.Clear();
        Assert.Equal(0, book.Count);
        Assert.Equal(image11, Image(forks[^1].Fork));
    }

    // Every bucket lists exactly the orders whose classification size falls in it, each once.
    internal static void AssertMembers(BigOrderBook book)
    {
        var expected = Enumerable.Range(0, book.Count).GroupBy(i => BigOrderBook.BucketOf(book.ClassificationSizeOf(i)))
            .ToDictionary(g => g.Key, g => g.ToArray());
        for (int b = 0; b < 63 * 8; b++)
            Assert.Equal(expected.TryGetValue(b, out var rows) ? rows : [], book.MembersOf(b));
    }

    internal static string MembersImage(BigOrderBook book) =>
        string.Join(";", Enumerable.Range(0, 63 * 8).Select(b => string.Join(",", book.MembersOf(b))));

    // A book of `orders` buy orders with sizes spread over a few octaves (many orders per bucket).
    private static BigOrderBook BookOfManyOrders(int orders, long idStride, int seed)
    {
        var rng = new Random(seed);
        var book = new BigOrderBook();
        for (int k = 1; k <= orders; k++) book.AddFill(k * idStride, 0, rng.Next(1_000, 64_000), rng.Next(-50, 50), k % 3 == 0, (byte)'B');
        return book;
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(9973L)]
    public void Bucket_moves_after_a_fork_leave_the_other_book_unchanged(long idStride)
    {
        var parent = BookOfManyOrders(3000, idStride, 21);
        var child = parent.Fork();
        string parentImage = Image(parent), parentMembers = MembersImage(parent);
        var rng = new Random(22);
        // Many moves: every order filled again (up one or more buckets), enough to compact lists.
        for (int f = 0; f < 6000; f++)
            child.AddFill(1 + rng.Next(3000) * idStride, 0, rng.Next(500, 40_000), 3, false, (byte)'B');
        Assert.Equal(parentImage, Image(parent));
        Assert.Equal(parentMembers, MembersImage(parent));
        AssertMembers(child);
        AssertMembers(parent);
        // And the other way round: the parent's moves leave the child as it was.
        string childImage = Image(child), childMembers = MembersImage(child);
        for (int f = 0; f < 6000; f++)
            parent.AddFill(1 + rng.Next(3500) * idStride, 0, rng.Next(500, 40_000), -3, true, (byte)'B');
        Assert.Equal(childImage, Image(child));
        Assert.Equal(childMembers, MembersImage(child));
        AssertMembers(parent);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(9973L)]
    public void A_bucket_move_after_a_fork_copies_only_the_chunk_of_the_order_it_moves(long idStride)
    {
        // 3000 orders: 47 row chunks, buckets of hundreds of orders spread over all of them. With
        // the bucket lists in the rows, a move wrote its neighbours' rows (anywhere in the day).
        // The fork goes on as a shard's live state does: it took the bucket sums and lists over.
        var book = BookOfManyOrders(3000, idStride, 23).Fork();
        long rowsBefore = book.RowChunkCopies;
        // Orders 1..64 share row chunk 0; each fill moves its order into a higher bucket.
        for (int k = 1; k <= 64; k++)
        {
            int bucket = BigOrderBook.BucketOf(book.ClassificationSizeOf(k - 1));
            book.AddFill(k * idStride, 0, 70_000 + 1_000L * k, 1, false, (byte)'B');
            Assert.NotEqual(bucket, BigOrderBook.BucketOf(book.ClassificationSizeOf(k - 1)));
        }
        Assert.Equal(1, book.RowChunkCopies - rowsBefore);
        Assert.Equal(0, book.DerivedRebuilds); // nothing of the bucket sums or lists was copied or rebuilt
        AssertMembers(book);
    }

    // Fills of a random day for two books: heavy-tailed amounts, orders filled again (bucket moves),
    // new orders, some submitted sizes, dense or sparse ids.
    internal static List<Action<BigOrderBook>> RandomWrites(int seed, int count, long idStride, bool submitted)
    {
        var rng = new Random(seed);
        var writes = new List<Action<BigOrderBook>>();
        for (int k = 0; k < count; k++)
        {
            long buy = (1 + 2 * rng.Next(0, 700)) * idStride, sell = (2 + 2 * rng.Next(0, 700)) * idStride;
            if (submitted && rng.Next(4) == 0)
            {
                long price = rng.Next(1, 100_000), volume = rng.Next(1, 50_000);
                bool side = rng.Next(2) == 0;
                writes.Add(b => b.AddSubmitted(side ? sell : buy, side, price, volume));
                continue;
            }
            long amount = rng.Next(30) == 0 ? -rng.Next(1, 500_000) : (long)(Math.Exp(rng.NextDouble() * 9) * 10_000);
            long logRet = rng.Next(-900, 900);
            bool early = rng.Next(3) == 0;
            byte aggressor = (byte)"BSN"[rng.Next(3)];
            bool noBuy = rng.Next(9) == 0, noSell = rng.Next(9) == 0;
            writes.Add(b => b.AddFill(noBuy ? 0 : buy, noSell ? 0 : sell, amount, logRet, early, aggressor));
        }
        return writes;
    }

    internal static BigOrderBook Replay(BigOrderSizing sizing, params IEnumerable<Action<BigOrderBook>>[] parts)
    {
        var book = new BigOrderBook(sizing);
        foreach (var part in parts) foreach (var write in part) write(book);
        return book;
    }

    [Theory]
    [InlineData(61, 1L, BigOrderSizing.Filled)]
    [InlineData(62, 9973L, BigOrderSizing.Filled)]
    [InlineData(63, 1L, BigOrderSizing.Submitted)]
    [InlineData(64, 9973L, BigOrderSizing.Submitted)]
    public void A_fork_and_its_origin_written_apart_equal_books_never_forked(int seed, long idStride, BigOrderSizing sizing)
    {
        // The fork takes the bucket sums and member lists over; the origin rebuilds them from its
        // rows when written again. Both, written apart (and forked again), must answer as books
        // that received the same writes and were never forked: sums, members, moments, sizes.
        bool submitted = sizing == BigOrderSizing.Submitted;
        var day = RandomWrites(seed, 3000, idStride, submitted);
        var originMore = RandomWrites(seed + 100, 1500, idStride, submitted);
        var forkMore = RandomWrites(seed + 200, 1500, idStride, submitted);
        var origin = Replay(sizing, day);
        origin.BuildDerived(); // as every minute's query has them (a deferred book hands nothing over)
        var fork = origin.Fork();
        for (int k = 0; k < 1500; k++)
        {
            // Interleaved, with a second fork of the fork halfway (as a later snapshot would be).
            originMore[k](origin);
            forkMore[k](fork);
            if (k == 750) _ = fork.Fork();
        }
        var originTwin = Replay(sizing, day, originMore);
        var forkTwin = Replay(sizing, day, forkMore);
        AssertEqualBooks(originTwin, origin);
        AssertEqualBooks(forkTwin, fork);
        Assert.Equal(MembersImage(originTwin), MembersImage(origin));
        Assert.Equal(MembersImage(forkTwin), MembersImage(fork));
        AssertMembers(origin);
        AssertMembers(fork);
        Assert.Equal(1, origin.DerivedRebuilds);
        Assert.Equal(1, fork.DerivedRebuilds); // its own fork took its structures at k = 750
    }

    [Fact]
    public void A_restore_forked_from_a_snapshot_builds_its_own_structures_and_leaves_the_snapshot_as_it_was()
    {
        // A shard's snapshot gave its bucket sums and lists to the live state; a restore forks the
        // snapshot again: that fork builds its own from the rows, the snapshot is not rebuilt.
        var day = RandomWrites(91, 3000, 1, submitted: false);
        var snapshot = Replay(BigOrderSizing.Filled, day);
        snapshot.BuildDerived();
        var live = snapshot.Fork();
        var restored = snapshot.Fork();
        Assert.Equal(0, snapshot.DerivedRebuilds);
        Assert.Equal(1, restored.DerivedRebuilds);
        var more = RandomWrites(92, 1000, 1, submitted: false);
        foreach (var write in more) { write(live); write(restored); }
        var twin = Replay(BigOrderSizing.Filled, day, more);
        AssertEqualBooks(twin, live);
        AssertEqualBooks(twin, restored);
        Assert.Equal(MembersImage(twin), MembersImage(restored));
        Assert.Equal(0, live.DerivedRebuilds);
    }

    [Fact]
    public void The_member_slab_reuses_the_blocks_of_compacted_lists()
    {
        // 3000 orders filled again and again: each fill moves its order up a bucket and leaves a
        // stale entry behind (about 36,000 entries appended in all). Compacted lists return their
        // blocks, so the slab stays near what the live entries need instead of growing with every move.
        var book = new BigOrderBook();
        var rng = new Random(71);
        for (int round = 0; round < 12; round++)
            for (int k = 1; k <= 3000; k++)
                book.AddFill(k, 0, rng.Next(1_000, 1 << round + 12), 1, false, (byte)'B');
        AssertMembers(book);
        // Live entries need 3000 / 14 blocks (16-bit entries, 14 per block of 8 ints); a list may hold
        // as many stale entries as live ones (or 15) and a partly filled block, over the ~130 buckets
        // reached. Never reusing blocks would take 8 ints per 14 of the ~33,000 entries appended.
        Assert.InRange(book.MemberSlabInts, 8 * (3000 / 14), 8 * (2 * 3000 / 14 + 130 * 3));
        foreach (double k in new[] { -0.5, 0.0, 1.0, 2.5 })
        {
            var theta = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, k, 0);
            Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
        }
    }

    [Theory]
    [InlineData(BigOrderSizing.Filled)]
    [InlineData(BigOrderSizing.Submitted)]
    public void A_cleared_book_starts_a_new_day_like_a_new_book(BigOrderSizing sizing)
    {
        // Day reset: the book that holds the derived structures clears them for reuse; one that
        // handed them to a fork starts empty ones. Either way the next day equals a fresh book's,
        // and a fork taken before the reset keeps the old day.
        bool submitted = sizing == BigOrderSizing.Submitted;
        var day1 = RandomWrites(81, 2500, 1, submitted);
        var day2 = RandomWrites(82, 2500, 1, submitted);
        var owner = Replay(sizing, day1);
        var origin = Replay(sizing, day1);
        owner.BuildDerived(); // as a book queried every minute has them
        origin.BuildDerived();
        var fork = origin.Fork();
        string forkImage = Image(fork), forkMembers = MembersImage(fork);
        owner.Clear();
        origin.Clear();
        Assert.Equal(new BigOrderSums(), owner.SumFromBucket(0));
        Assert.Equal(new BigOrderSums(), origin.SumFromBucket(0));
        foreach (var write in day2) { write(owner); write(origin); }
        var fresh = Replay(sizing, day2);
        AssertEqualBooks(fresh, owner);
        AssertEqualBooks(fresh, origin);
        Assert.Equal(MembersImage(fresh), MembersImage(owner));
        Assert.Equal(MembersImage(fresh), MembersImage(origin));
        Assert.Equal(forkImage, Image(fork));
        Assert.Equal(forkMembers, MembersImage(fork));
    }

    [Fact]
    public void Shrinking_orders_keep_sums_and_members_exact()
    {
        // Negative amounts (never in a market) move orders down: no entry left behind may turn live again.
        var rng = new Random(31);
        var book = new BigOrderBook();
        var orders = new Dictionary<(long, bool), Order>();
        for (int step = 1; step <= 4000; step++)
        {
            long id = rng.Next(1, 300);
            long amount = rng.Next(5) == 0 ? -rng.Next(1, 2_000_000) : rng.Next(1, 2_000_000);
            book.AddFill(id, 0, amount, 1, false, (byte)'B');
            if (!orders.TryGetValue((id, false), out var o)) orders[(id, false)] = o = new Order();
            o.Amount += amount;
            o.LogRet += 1;
            if (step % 200 != 0) continue;
            AssertMembers(book);
            foreach (double k in new[] { -0.5, 0.0, 1.0 })
            {
                var (expected, _) = Reference(orders, BigOrderSizing.Filled, k, 0);
                Assert.Equal(expected, book.SumBig(new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, k, 0)));
            }
        }
    }

    [Theory]
    [InlineData(51, 1.0)]
    [InlineData(52, 0.0)]
    [InlineData(53, 2.5)]
    public void The_kept_scan_of_thetas_buckets_follows_every_write_to_them(int seed, double k)
    {
        // A minute's queries between fills, as the evaluation runs: most fills miss θ's buckets
        // (the kept scan is reused), a third are aimed at an order sitting in them (a member grows
        // within its bucket or moves out, a new order lands in them); forks query and write apart.
        var rng = new Random(seed);
        var book = new BigOrderBook();
        for (int i = 1; i <= 400; i++) book.AddFill(i, 0, (long)(Math.Exp(rng.NextDouble() * 8) * 10_000), rng.Next(-99, 99), i % 2 == 0, (byte)'B');
        var fork = book.Fork();
        int aimed = 0;
        for (int step = 0; step < 3000; step++)
        {
            var target = step % 2 == 0 ? book : fork;
            var theta = new BigOrderThreshold(target.Count, target.SizeSum, target.SizeSquareSum, k, 0);
            Assert.Equal(target.ScanBig(theta), target.SumBig(theta));
            Assert.Equal(target.ScanBig(theta), target.SumBig(theta)); // asked again, unchanged
            var (low, high) = theta.Bounds();
            int lowBucket = BigOrderBook.BucketOf(low), highBucket = BigOrderBook.BucketOf(high);
            // Row i is order id i + 1: new orders take the next id.
            long id = rng.Next(10) == 0 ? target.Count + 1 : 1 + rng.Next(target.Count);
            if (rng.Next(3) == 0)
            {
                // An order in θ's buckets, if any: filled by a little (same bucket) or a lot (moves up).
                var inside = Enumerable.Range(0, target.Count)
                    .Where(i => BigOrderBook.BucketOf(target.ClassificationSizeOf(i)) is var b && b >= lowBucket && b <= highBucket).ToList();
                if (inside.Count > 0) { id = 1 + inside[rng.Next(inside.Count)]; aimed++; }
            }
            long amount = rng.Next(4) == 0 ? (long)(Math.Exp(rng.NextDouble() * 8) * 10_000) : rng.Next(1, 200);
            target.AddFill(id, 0, amount, rng.Next(-99, 99), rng.Next(2) == 0, (byte)'B');
        }
        Assert.True(aimed > 300, $"only {aimed} fills aimed at θ's buckets");
    }

    private static void AssertSuffixes(BigOrderBook book, Random rng, string where)
    {
        // Random cut points, in random order: the cached suffix is moved up and down between them.
        for (int q = 0; q < 6; q++)
        {
            int bucket = rng.Next(3) == 0 ? rng.Next(0, 63 * 8 + 1) : BigOrderBook.BucketOf(rng.NextInt64(1, 1L << 40));
            Assert.True(book.ScanFromBucket(bucket) == book.SumFromBucket(bucket), $"{where}: suffix from bucket {bucket}");
        }
    }

    [Theory]
    [InlineData(41, 1L)]
    [InlineData(42, 9973L)]
    public void Cached_suffix_sums_equal_a_scan_of_the_rows(int seed, long idStride)
    {
        // Fills move orders up buckets (and, with negative amounts, down), θ queries move the
        // cached suffix between them, and forks continue on their own fills: at random cut points
        // the suffix must equal the sum over every order whose size falls at or above the cut.
        var rng = new Random(seed);
        var book = new BigOrderBook();
        var forks = new List<BigOrderBook>();
        for (int step = 1; step <= 6000; step++)
        {
            long buy = 1 + 2 * rng.Next(0, 500) * idStride, sell = 2 + 2 * rng.Next(0, 500) * idStride;
            long amount = rng.Next(20) == 0 ? -rng.Next(1, 3_000_000) : (long)(Math.Exp(rng.NextDouble() * 10) * 10_000);
            book.AddFill(rng.Next(8) == 0 ? 0 : buy, rng.Next(8) == 0 ? 0 : sell, amount, rng.Next(-900, 900), rng.Next(3) == 0, (byte)"BSN"[rng.Next(3)]);
            if (rng.Next(25) == 0)
            {
                var k = new[] { -0.5, 0.0, 1.0, 2.5 }[rng.Next(4)];
                _ = book.SumBig(new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, k, 0));
            }
            if (step % 97 == 0) AssertSuffixes(book, rng, $"step {step}");
            if (step % 1000 == 0) forks.Add(book.Fork());
            foreach (var fork in forks)
                if (rng.Next(10) == 0)
                {
                    fork.AddFill(1 + 2 * rng.Next(0, 600) * idStride, 0, rng.Next(1, 9_000_000), 5, false, (byte)'B');
                    if (rng.Next(5) == 0) AssertSuffixes(fork, rng, $"fork at step {step}");
                }
        }
        foreach (var fork in forks) AssertSuffixes(fork, rng, "fork at the end");
        book.Clear();
        Assert.Equal(new BigOrderSums(), book.SumFromBucket(0));
        book.AddFill(3, 4, 1_000_000, 7, true, (byte)'B');
        AssertSuffixes(book, rng, "after clear");
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(7L)]
    [InlineData(8L)]
    [InlineData(1_000_000L)]
    [InlineData(long.MaxValue)]
    public void Buckets_are_monotone_in_size(long size)
    {
        Assert.True(BigOrderBook.BucketOf(size - 1) <= BigOrderBook.BucketOf(size));
        if (size < long.MaxValue) Assert.True(BigOrderBook.BucketOf(size) <= BigOrderBook.BucketOf(size + 1));
        Assert.InRange(BigOrderBook.BucketOf(size), 0, 63 * 8 - 1);
    }
}
