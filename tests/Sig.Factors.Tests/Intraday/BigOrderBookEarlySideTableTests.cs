using Sig.Engine.Persistence;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The early side table of <see cref="BigOrderBook"/> (E and EL per chunk of 64 rows, made only
/// for a chunk with an order whose row's flags cannot give them: E ≠ A, EL ≠ L, neither zero):
/// which chunks get one, copy-on-write of it across forks against books that received the same
/// fills and were never forked, the sums against an independent per-order model, and the
/// filled amount's 62-bit range beside the flags.
/// </summary>
public class BigOrderBookEarlySideTableTests
{
    // Fills of buy orders 1..orders (ids × stride): early ones (with an aggressor) for orders in
    // [earlyFrom, earlyTo), late ones otherwise; amounts and returns from the seed.
    private static void FillRange(BigOrderBook book, int from, int to, long idStride, int seed, int earlyFrom, int earlyTo)
    {
        var rng = new Random(seed);
        for (int k = from; k < to; k++)
        {
            bool early = k >= earlyFrom && k < earlyTo;
            book.AddFill((k + 1) * idStride, 0, rng.Next(1_000, 64_000), rng.Next(-50, 50), early, (byte)'B');
        }
    }

    [Fact]
    public void Only_chunks_with_an_order_filled_early_and_late_get_an_early_side_table()
    {
        // Rows come in chunks of 64: orders 0..299 make rows 0..299 (five chunks); orders 70..79
        // fill early, each once and as the aggressor, so E = A and EL = L: their row's flags hold
        // them, and no chunk needs a side table.
        var book = new BigOrderBook();
        FillRange(book, 0, 300, 1, 91, earlyFrom: 70, earlyTo: 80);
        Assert.Equal(0, book.EarlySideTables);
        // Late fills of every order: 70..79 now have E ≠ A (and EL ≠ L), so the second chunk keeps them.
        FillRange(book, 0, 300, 1, 92, earlyFrom: 0, earlyTo: 0);
        Assert.Equal(1, book.EarlySideTables);
        FillRange(book, 250, 251, 1, 93, earlyFrom: 250, earlyTo: 251); // an early fill of an order filled late before
        Assert.Equal(2, book.EarlySideTables);
        // An early fill of zero amount and a non-aggressor side adds nothing, and makes no table.
        book.AddFill(200, 0, 0, 7, true, (byte)'S');
        Assert.Equal(2, book.EarlySideTables);
        var twin = new BigOrderBook();
        FillRange(twin, 0, 300, 1, 91, earlyFrom: 70, earlyTo: 80);
        FillRange(twin, 0, 300, 1, 92, earlyFrom: 0, earlyTo: 0);
        FillRange(twin, 250, 251, 1, 93, earlyFrom: 250, earlyTo: 251);
        twin.AddFill(200, 0, 0, 7, true, (byte)'S');
        BigOrderBookTests.AssertEqualBooks(twin, book);
        Assert.Equal(twin.ScanBig(new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, 0.0, 0)),
            book.SumBig(new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, 0.0, 0)));
        // A day reset keeps the tables for reuse, but a new day's rows read as zero until filled early.
        book.Clear();
        FillRange(book, 0, 300, 1, 94, earlyFrom: 0, earlyTo: 0);
        var lateOnly = new BigOrderBook();
        FillRange(lateOnly, 0, 300, 1, 94, earlyFrom: 0, earlyTo: 0);
        Assert.Equal(0, lateOnly.EarlySideTables);
        BigOrderBookTests.AssertEqualBooks(lateOnly, book);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(9973L)]
    public void Early_fills_on_both_sides_of_a_fork_equal_independent_books(long idStride)
    {
        // Rows 0..191 (three chunks); the first chunk already has a side table when forked (orders
        // 0..39 filled early, then late), the others none. Then each side fills early in every chunk
        // orders filled before: the shared side table is copied by the first writer, a missing one
        // made by each writer for itself; the other side never moves.
        static void Day(BigOrderBook b, long stride)
        {
            FillRange(b, 0, 192, stride, 95, earlyFrom: 0, earlyTo: 40);
            FillRange(b, 0, 40, stride, 98, earlyFrom: 0, earlyTo: 0);
        }
        var origin = new BigOrderBook();
        Day(origin, idStride);
        Assert.Equal(1, origin.EarlySideTables);
        var fork = origin.Fork();
        Assert.True(fork.SharesEarlySideTable(origin, 5));
        string originBefore = BigOrderBookTests.Image(origin);

        FillRange(fork, 0, 192, idStride, 96, earlyFrom: 30, earlyTo: 150);
        Assert.False(fork.SharesEarlySideTable(origin, 5)); // copied before its first write
        Assert.Equal(1, origin.EarlySideTables);
        Assert.Equal(originBefore, BigOrderBookTests.Image(origin));
        Assert.Equal(3, fork.EarlySideTables);

        FillRange(origin, 0, 192, idStride, 97, earlyFrom: 130, earlyTo: 192);
        Assert.Equal(2, origin.EarlySideTables); // chunks 0 and 2: chunk 1 has no early fill here

        var forkTwin = new BigOrderBook();
        Day(forkTwin, idStride);
        FillRange(forkTwin, 0, 192, idStride, 96, earlyFrom: 30, earlyTo: 150);
        var originTwin = new BigOrderBook();
        Day(originTwin, idStride);
        FillRange(originTwin, 0, 192, idStride, 97, earlyFrom: 130, earlyTo: 192);
        BigOrderBookTests.AssertEqualBooks(forkTwin, fork);
        BigOrderBookTests.AssertEqualBooks(originTwin, origin);
        foreach (double k in new[] { -0.5, 0.0, 1.0 })
        {
            Assert.Equal(forkTwin.ScanBig(new BigOrderThreshold(fork.Count, fork.SizeSum, fork.SizeSquareSum, k, 0)),
                fork.SumBig(new BigOrderThreshold(fork.Count, fork.SizeSum, fork.SizeSquareSum, k, 0)));
            Assert.Equal(originTwin.ScanBig(new BigOrderThreshold(origin.Count, origin.SizeSum, origin.SizeSquareSum, k, 0)),
                origin.SumBig(new BigOrderThreshold(origin.Count, origin.SizeSum, origin.SizeSquareSum, k, 0)));
        }
    }

    // The per-order reference: A, E, L, EL of each order as the fills define them, summed over the
    // orders in buckets ≥ b, by side, exactly as BigOrderSums counts them.
    private sealed class Model
    {
        private readonly Dictionary<(long, bool), (long A, long E, long L, long EL)> _orders = [];

        public void Fill(long buyId, long sellId, long amount, long logRet, bool early, byte aggressor)
        {
            if (buyId > 0) Add((buyId, false), amount, logRet, early, early && aggressor == (byte)'B');
            if (sellId > 0) Add((sellId, true), amount, logRet, early, early && aggressor == (byte)'S');
        }

        private void Add((long, bool) key, long amount, long logRet, bool early, bool active)
        {
            var o = _orders.GetValueOrDefault(key);
            _orders[key] = (o.A + amount, o.E + (early ? amount : 0), o.L + logRet, o.EL + (active ? logRet : 0));
        }

        public BigOrderSums FromBucket(int bucket)
        {
            var r = new BigOrderSums();
            foreach (var ((_, sell), o) in _orders)
            {
                if (BigOrderBook.BucketOf(o.A) < bucket) continue;
                r.Amount += o.A;
                if (sell) r.EarlySell += o.E; else r.EarlyBuy += o.E;
                r.LogReturn += o.L;
                r.EarlyActiveLogReturn += o.EL;
            }
            return r;
        }
    }

    [Theory]
    [InlineData(1, 1L)]
    [InlineData(2, 9973L)]
    public void Early_sums_in_flags_and_side_tables_equal_a_per_order_model_across_forks_and_a_restore(int seed, long idStride)
    {
        // Orders filled early only (E = A), late only, early then late, late then early, as the
        // aggressor or not, with zero returns (L unmoved: EL = L survives a late fill) and zero
        // amounts: every way a row's flags are set, kept and dropped; a fork every 500 fills, the
        // fork going on (as a shard's live state).
        var rng = new Random(seed);
        var book = new BigOrderBook();
        var model = new Model();
        var forks = new List<(BigOrderBook Book, string Image)>();
        for (int k = 0; k < 6_000; k++)
        {
            bool early = k < 2_500 ? rng.Next(4) != 0 : rng.Next(8) == 0;
            long buy = rng.Next(0, 700) * idStride, sell = rng.Next(0, 700) * idStride;
            long amount = rng.Next(10) == 0 ? 0 : rng.Next(1, 2_000_000);
            long logRet = rng.Next(3) == 0 ? 0 : rng.Next(-5_000_000, 5_000_000);
            byte aggressor = (byte)"BSN"[rng.Next(3)];
            book.AddFill(buy, sell, amount, logRet, early, aggressor);
            model.Fill(buy, sell, amount, logRet, early, aggressor);
            if (k % 500 == 499)
            {
                forks.Add((book, BigOrderBookTests.Image(book)));
                book = book.Fork();
            }
        }
        for (int b = 0; b <= 63 * 8; b += 7)
        {
            Assert.Equal(model.FromBucket(b), book.SumFromBucket(b));
            Assert.Equal(model.FromBucket(b), book.ScanFromBucket(b));
        }
        Assert.InRange(book.EarlySideTables, 1, (book.Count + 63) / 64);
        foreach (var (fork, image) in forks) Assert.Equal(image, BigOrderBookTests.Image(fork));
        var restored = RoundTrip(book);
        for (int b = 0; b <= 63 * 8; b += 7) Assert.Equal(model.FromBucket(b), restored.SumFromBucket(b));
        Assert.Equal(book.EarlySideTables, restored.EarlySideTables);
    }

    // The book through the snapshot codec; the restored book writes the same bytes.
    private static BigOrderBook RoundTrip(BigOrderBook book)
    {
        var writer = new SnapshotWriter();
        book.WriteTo(writer);
        byte[] bytes = writer.Written.ToArray();
        var restored = new BigOrderBook(book.Sizing);
        restored.ReadFrom(new SnapshotReader(bytes));
        var again = new SnapshotWriter();
        restored.WriteTo(again);
        Assert.Equal(bytes, again.Written.ToArray());
        return restored;
    }

    [Fact]
    public void An_order_filled_only_early_keeps_its_early_sums_in_its_row_flags()
    {
        // 640 orders (ten chunks), each filled early twice as the aggressor: E = A and EL = L for
        // all of them, no side table. Then the orders of chunk 0 are filled late at an unchanged
        // price (ℓ = 0: A moves, L does not), those of chunk 5 late with amount 0 and ℓ ≠ 0 (L
        // moves, A does not): each flag is dropped on its own, and only those two chunks get a table.
        var book = new BigOrderBook();
        var model = new Model();
        void Fill(long id, long amount, long logRet, bool early)
        {
            book.AddFill(id, 0, amount, logRet, early, (byte)'B');
            model.Fill(id, 0, amount, logRet, early, (byte)'B');
        }
        for (int id = 1; id <= 640; id++) Fill(id, 1_000 + id, 3 * id, early: true);
        for (int id = 1; id <= 640; id++) Fill(id, 7, -id, early: true);
        Assert.Equal(0, book.EarlySideTables);
        Assert.Equal(model.FromBucket(0), book.SumFromBucket(0));
        for (int id = 1; id <= 64; id++) Fill(id, 5_000, 0, early: false);
        Assert.Equal(1, book.EarlySideTables);
        for (int id = 321; id <= 384; id++) Fill(id, 0, 9, early: false);
        Assert.Equal(2, book.EarlySideTables);
        for (int b = 0; b <= 63 * 8; b += 3)
        {
            Assert.Equal(model.FromBucket(b), book.SumFromBucket(b));
            Assert.Equal(model.FromBucket(b), book.ScanFromBucket(b));
        }
    }

    [Fact]
    public void An_early_sum_that_returns_to_zero_leaves_no_stale_value_in_the_side_table()
    {
        // Order 1: the aggressor (ℓ = 5: EL = L, a flag), then filled passively (ℓ = 3: EL = 5 ≠ L = 8,
        // in the side table), then the aggressor again (ℓ = −5: EL = 0, L = 3): its side entry must
        // read zero again, not keep the 5 it held.
        var book = new BigOrderBook();
        var model = new Model();
        foreach (var (logRet, aggressor) in new[] { (5L, (byte)'B'), (3L, (byte)'S'), (-5L, (byte)'B') })
        {
            book.AddFill(1, 2, 1_000, logRet, true, aggressor);
            model.Fill(1, 2, 1_000, logRet, true, aggressor);
            Assert.Equal(model.FromBucket(0), book.SumFromBucket(0));
            Assert.Equal(model.FromBucket(0), book.ScanFromBucket(0));
        }
        Assert.Equal((Int128)3, book.SumFromBucket(0).EarlyActiveLogReturn); // order 1: 5 − 5; order 2, the seller: 3
    }

    [Fact]
    public void The_filled_amount_is_exact_up_to_its_62_bit_range_and_a_fill_beyond_it_throws()
    {
        long max = BigOrderBook.MaxFilledAmount;
        Assert.Equal((1L << 61) - 1, max);
        var book = new BigOrderBook();
        book.AddFill(1, 0, max - 5, 11, true, (byte)'B');
        book.AddFill(1, 0, 5, 13, true, (byte)'B'); // exactly the largest: E = A = max in the row's flags
        var sums = book.SumFromBucket(0);
        Assert.Equal(max, sums.Amount);
        Assert.Equal(max, sums.EarlyBuy);
        Assert.Equal(24, sums.EarlyActiveLogReturn);
        var ex = Assert.Throws<OverflowException>(() => book.AddFill(1, 0, 1, 0, false, (byte)'N'));
        Assert.Contains("outside the order row's range", ex.Message);
        Assert.Equal(max, book.SumFromBucket(0).Amount); // nothing written
        // A fill whose 64-bit sum would wrap throws too, rather than wrapping into the range.
        Assert.Throws<OverflowException>(() => book.AddFill(1, 0, long.MaxValue, 0, false, (byte)'N'));
        // The smallest (a shrinking order, which no market sends): −2⁶¹ holds, one below throws.
        var shrinking = new BigOrderBook();
        shrinking.AddFill(2, 0, -max - 1, 0, false, (byte)'N');
        Assert.Equal(-max - 1, shrinking.ScanFromBucket(0).Amount);
        Assert.Throws<OverflowException>(() => shrinking.AddFill(2, 0, -1, 0, false, (byte)'N'));
    }
}
