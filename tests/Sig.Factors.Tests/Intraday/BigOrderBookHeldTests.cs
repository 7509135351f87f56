using Sig.Engine.Config;
using Sig.Engine.Persistence;
using Sig.Factors.Intraday;
using Xunit;
using static Sig.Factors.Tests.Intraday.BigOrderBookTests;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// Fills reach the big-order book's bucket sums and member lists at the next flush, not one by
/// one: a book read after every fill, one never read until the end and one forked, round-tripped
/// through the snapshot codec and queried at random points in between all answer the same as a
/// scan of their rows — sums, θ queries, members, and member lists whose stale counts are exact.
/// </summary>
public class BigOrderBookHeldTests
{
    // A random day's writes: orders filled again and again (bucket moves, within one flush and
    // across flushes), a few negative amounts (shrinking sizes), early fills, submitted sizes.
    private static List<Action<BigOrderBook>> Writes(int seed, int count, long idStride, bool submitted)
    {
        var rng = new Random(seed);
        var writes = new List<Action<BigOrderBook>>();
        for (int k = 0; k < count; k++)
        {
            // Most fills go to recent orders (as in a market), some to any order of the day.
            int spread = rng.Next(4) == 0 ? 600 : 40, recent = Math.Min(k / 3, 600 - spread);
            long buy = (1 + 2 * (recent + rng.Next(spread))) * idStride, sell = (2 + 2 * (recent + rng.Next(spread))) * idStride;
            if (submitted && rng.Next(5) == 0)
            {
                long price = rng.Next(1, 100_000), volume = rng.Next(1, 50_000);
                bool side = rng.Next(2) == 0;
                writes.Add(b => b.AddSubmitted(side ? sell : buy, side, price, volume));
                continue;
            }
            long amount = rng.Next(40) == 0 ? -rng.Next(1, 200_000) : (long)(Math.Exp(rng.NextDouble() * 10) * 1_000);
            long logRet = rng.Next(-900, 900);
            bool early = rng.Next(3) == 0, noSell = rng.Next(8) == 0;
            byte aggressor = (byte)"BSN"[rng.Next(3)];
            writes.Add(b => b.AddFill(buy, noSell ? 0 : sell, amount, logRet, early, aggressor));
        }
        return writes;
    }

    // Everything a reader of the derived structures sees, checked against a scan of the rows.
    private static void AssertExact(BigOrderBook book)
    {
        foreach (double k in new[] { -0.5, 0.0, 0.7, 1.0, 2.5 })
        {
            var theta = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, k, 0);
            Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
        }
        for (int b = 0; b <= 63 * 8; b += 5) Assert.Equal(book.ScanFromBucket(b), book.SumFromBucket(b));
        AssertMembers(book);
        // Each list's live entries are its entries less its stale count: no move counted twice or missed.
        for (int b = 0; b < 63 * 8; b++)
        {
            var (entries, stale) = book.ListOf(b);
            Assert.Equal(book.MembersOf(b).Length, entries - stale);
        }
    }

    private static BigOrderBook RoundTrip(BigOrderBook book)
    {
        var writer = new SnapshotWriter();
        book.WriteTo(writer);
        var restored = new BigOrderBook(book.Sizing);
        restored.ReadFrom(new SnapshotReader(writer.Written.ToArray()));
        return restored;
    }

    [Theory]
    [InlineData(1, 1L, BigOrderSizing.Filled)]
    [InlineData(2, 9973L, BigOrderSizing.Filled)]
    [InlineData(3, 1L, BigOrderSizing.Submitted)]
    public void Held_fills_reach_the_sums_exactly_whenever_they_are_read(int seed, long idStride, BigOrderSizing sizing)
    {
        var writes = Writes(seed, 6_000, idStride, sizing == BigOrderSizing.Submitted);
        var read = new BigOrderBook(sizing);
        var unread = new BigOrderBook(sizing);
        var handed = new BigOrderBook(sizing);
        var forks = new List<(BigOrderBook Book, string Image)>();
        var rng = new Random(seed + 100);
        for (int k = 0; k < writes.Count; k++)
        {
            writes[k](read);
            writes[k](unread);
            writes[k](handed);
            var theta = new BigOrderThreshold(read.Count, read.SizeSum, read.SizeSquareSum, 1.0, 0);
            Assert.Equal(read.ScanBig(theta), read.SumBig(theta));
            switch (rng.Next(200))
            {
                case 0: // a snapshot: the fork goes on, the origin keeps what it had
                    var origin = handed;
                    handed = origin.Fork();
                    forks.Add((origin, Image(origin)));
                    break;
                case 1: // a restore through the codec
                    handed = RoundTrip(handed);
                    break;
                case 2:
                    handed.Fork(); // a fork that is dropped: the book goes on as the forked one (rebuilt)
                    break;
                case < 12:
                    Assert.Equal(handed.ScanBig(theta), handed.SumBig(theta));
                    break;
            }
        }
        Assert.True(forks.Count > 10);
        AssertEqualBooks(read, unread);
        AssertEqualBooks(read, handed);
        AssertExact(unread);
        AssertExact(handed);
        AssertExact(read);
        foreach (var (fork, image) in forks) Assert.Equal(image, Image(fork));
    }

    [Fact]
    public void More_older_orders_than_a_flush_holds_are_flushed_in_between_exactly()
    {
        // 500 orders listed, then each of them filled three times before any read: the first
        // fill of each older order holds it, and every 32 held orders force a flush.
        var book = new BigOrderBook();
        var twin = new BigOrderBook(); // read after every fill
        var rng = new Random(7);
        for (int k = 1; k <= 500; k++)
        {
            long amount = rng.Next(1_000, 100_000);
            book.AddFill(k, 0, amount, 1, false, (byte)'B');
            twin.AddFill(k, 0, amount, 1, false, (byte)'B');
        }
        AssertExact(book);
        for (int round = 0; round < 3; round++)
            for (int k = 1; k <= 500; k++)
            {
                long amount = rng.Next(-500, 200_000), logRet = rng.Next(-50, 50);
                bool early = rng.Next(2) == 0;
                book.AddFill(k, 0, amount, logRet, early, (byte)'B');
                twin.AddFill(k, 0, amount, logRet, early, (byte)'B');
                Assert.Equal(twin.ScanFromBucket(0), twin.SumFromBucket(0));
            }
        AssertEqualBooks(twin, book);
        AssertExact(book);
        AssertExact(twin);
    }

    [Fact]
    public void An_order_that_moves_up_and_back_down_before_a_flush_stays_listed_once()
    {
        var book = new BigOrderBook();
        for (int k = 1; k <= 40; k++) book.AddFill(k, 0, 1_024 + k, 1, false, (byte)'B');
        AssertExact(book);
        // Up several octaves and back below where it was listed, then up into its old bucket again.
        book.AddFill(3, 0, 1_000_000, 5, false, (byte)'B');
        book.AddFill(3, 0, -1_000_500, 5, false, (byte)'B');
        book.AddFill(4, 0, 1_000_000, 5, true, (byte)'B');
        book.AddFill(4, 0, -1_000_000, 5, false, (byte)'B');
        book.AddFill(41, 0, 5_000, 2, false, (byte)'B'); // a new order in the same flush
        book.AddFill(41, 0, -4_000, 2, false, (byte)'B');
        AssertExact(book);
        Assert.Equal([2], book.MembersOf(BigOrderBook.BucketOf(527))); // order 3: 1,027 + 10⁶ − 1,000,500
        Assert.Contains(3, book.MembersOf(BigOrderBook.BucketOf(1_028))); // order 4: back where it was listed
    }
}
