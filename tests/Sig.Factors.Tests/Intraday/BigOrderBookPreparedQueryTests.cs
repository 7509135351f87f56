using Sig.Engine.Config;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The θ query placed at the end of a run (<see cref="BigOrderBook.PrepareQuery"/>): a book that
/// places it after every run answers every query exactly as a book fed the same fills that never
/// does (and as a scan of every row), through forks; and a query right after a placement finds
/// θ's buckets kept, so the minute step reads no member list.
/// </summary>
public class BigOrderBookPreparedQueryTests
{
    // One run of fills: new orders and fills of old ones, sizes spread over many octaves; in
    // Submitted mode some orders are submitted first.
    private static void Run(BigOrderBook[] books, Random rng, int fills)
    {
        for (int f = 0; f < fills; f++)
        {
            int count = books[0].Count;
            long id = rng.Next(5) == 0 || count == 0 ? count + 1 : 1 + rng.Next(count);
            bool submit = books[0].Sizing == BigOrderSizing.Submitted && id == count + 1 && rng.Next(2) == 0;
            long price = 1 + rng.Next(100), volume = 100 * (1 + rng.Next(2_000));
            long amount = rng.NextInt64(1, 1L << (8 + rng.Next(18)));
            long logRet = rng.Next(-99, 99);
            bool early = rng.Next(2) == 0;
            foreach (var b in books)
            {
                if (submit) b.AddSubmitted(id, false, price, volume);
                b.AddFill(id, 0, amount, logRet, early, (byte)'B');
            }
        }
    }

    [Theory]
    [InlineData(BigOrderSizing.Filled, 1, 1.0, 0L)]
    [InlineData(BigOrderSizing.Filled, 2, 2.5, 0L)]
    [InlineData(BigOrderSizing.Filled, 3, 0.0, 0L)]
    [InlineData(BigOrderSizing.Filled, 4, -0.4, 0L)]
    [InlineData(BigOrderSizing.Filled, 5, 1.0, 5_000_000L)]
    [InlineData(BigOrderSizing.Submitted, 6, 1.0, 0L)]
    public void Every_query_equals_a_book_that_never_places_it_and_a_scan_of_the_rows(BigOrderSizing sizing, int seed, double k, long floor)
    {
        var rng = new Random(seed);
        var placed = new BigOrderBook(sizing);
        var plain = new BigOrderBook(sizing);
        int queries = 0, keptAtQuery = 0;
        for (int run = 0; run < 600; run++)
        {
            Run([placed, plain], rng, 1 + rng.Next(12));
            placed.Flush(); // the end of a run of fills (SymbolDayState.Apply)
            plain.Flush();
            placed.PrepareQuery(k, floor);
            if (rng.Next(3) != 0) continue; // several runs between two queries, as several minutes' events
            var theta = BookThreshold.Of(placed, k, floor);
            if (!theta.NoneBig && !theta.AllEqual && theta.Bounds() is var (low, high) && BigOrderBook.BucketOf(low) == BigOrderBook.BucketOf(high))
            {
                // Placed after the last run: θ's bucket is kept, the query has no rescan to do.
                Assert.Equal(-1, placed.GuessRescanBucket(k, floor));
                keptAtQuery++;
            }
            var sums = placed.SumBig(theta);
            Assert.Equal(plain.SumBig(theta), sums);
            Assert.Equal(placed.ScanBig(theta), sums);
            queries++;
            if (run % 97 == 96)
            {
                // A snapshot: the live book is a fork of it (which takes the kept scan and suffix);
                // both go on, fed alike, and the snapshot is queried too.
                var snapshot = placed;
                placed = snapshot.Fork();
                Assert.Equal(snapshot.ScanBig(theta), snapshot.SumBig(theta));
            }
        }
        Assert.True(queries >= 150, $"{queries} queries");
        Assert.True(keptAtQuery >= 100, $"{keptAtQuery} queries found θ's bucket kept");
    }

    [Fact]
    public void A_book_whose_structures_are_deferred_or_unflushed_is_left_as_it_is()
    {
        var book = new BigOrderBook();
        for (long id = 1; id <= 40; id++) book.AddFill(id, 0, id * 1_000, 0, false, (byte)'N');
        // Deferred (no flush yet): nothing is built, so the close-only day's one scan stays the only work.
        book.PrepareQuery(1, 0);
        Assert.True(book.Deferred);
        book.Flush();
        Assert.False(book.Deferred);
        book.AddFill(41, 0, 50_000, 0, false, (byte)'N'); // a row past the flush mark
        book.PrepareQuery(1, 0);
        Assert.NotEqual(-1, book.GuessRescanBucket(1, 0)); // not placed: the query will flush and rescan
        var theta = BookThreshold.Of(book, 1, 0);
        Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
        Assert.Equal(-1, book.GuessRescanBucket(1, 0));
    }
}
