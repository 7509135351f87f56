using Sig.Engine.Config;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The kept scan's array: made with the book (and at a day's start), so a book's first query at
/// the open writes into it instead of allocating; made longer, once, when θ's buckets hold more
/// orders; handed to the fork with the scan. Every query still equals a scan of every row.
/// </summary>
public class BigOrderBookKeptScanTests
{
    // Order sizes in one bucket, [first, first + width): with k = 0, θ is their mean, so θ's bucket holds them all.
    private const long First = 10_240, Width = 1_024;

    private static void AddOrders(BigOrderBook book, Random rng, int orders, long firstId)
    {
        for (long id = firstId; id < firstId + orders; id++)
            book.AddFill(id, 0, First + rng.NextInt64(Width), rng.Next(-99, 99), id % 3 == 0, (byte)'B');
    }

    [Theory]
    [InlineData(BigOrderSizing.Filled)]
    [InlineData(BigOrderSizing.Submitted)]
    public void A_first_query_over_a_few_dozen_orders_at_the_open_allocates_nothing(BigOrderSizing sizing)
    {
        Assert.Equal(BigOrderBook.BucketOf(First), BigOrderBook.BucketOf(First + Width - 1));
        var rng = new Random(5);
        var book = new BigOrderBook(sizing);
        for (int day = 0; day < 2; day++)
        {
            AddOrders(book, rng, 60, 1);
            book.SumFromBucket(63 * 8); // brings the bucket sums and lists up to the rows (their own allocations), moves nothing
            var theta = BookThreshold.Of(book, 0);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var sums = book.SumBig(theta);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
            Assert.Equal(book.ScanBig(theta), sums);
            book.Clear(); // the next day starts with the same array
        }
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.3)]
    [InlineData(3, -0.4)]
    public void Kept_scans_longer_than_the_first_array_equal_a_scan_of_the_rows_in_a_book_and_its_forks(int seed, double k)
    {
        var rng = new Random(seed);
        var book = new BigOrderBook();
        AddOrders(book, rng, 500, 1);
        var theta = BookThreshold.Of(book, k);
        Assert.Equal(book.ScanBig(theta), book.SumBig(theta)); // ≈ 500 orders in θ's buckets: a longer array
        var snapshot = book;
        var live = snapshot.Fork();
        BigOrderBook? dropped = null;
        for (int step = 0; step < 400; step++)
        {
            // Fills grow orders within the bucket or out of it, and add new ones; both books are
            // written and queried apart, so a shared array would show in the other's sums.
            var target = step % 3 == 0 ? snapshot : live;
            long id = rng.Next(8) == 0 ? target.Count + 1 : 1 + rng.Next(target.Count);
            long amount = rng.Next(4) == 0 ? rng.NextInt64(Width, 8 * Width) : rng.Next(1, 100);
            target.AddFill(id, 0, amount, rng.Next(-99, 99), rng.Next(2) == 0, (byte)'B');
            foreach (var b in new[] { snapshot, live })
            {
                var t = BookThreshold.Of(b, k);
                Assert.Equal(b.ScanBig(t), b.SumBig(t));
            }
            if (step % 100 == 99)
            {
                // A fork into a dropped book, as a shard recycles its snapshots: the arrays trade places.
                var next = live.Fork(dropped);
                dropped = snapshot;
                snapshot = live;
                live = next;
            }
        }
    }
}
