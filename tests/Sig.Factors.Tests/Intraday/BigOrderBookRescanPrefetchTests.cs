using Sig.Engine.Config;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The evaluation's hints of a rescan's chain (BigOrderBookPrefetch.cs): the guess of θ's bucket,
/// computed in doubles from the book's moments, is the bucket the exact query scans and, once a
/// query kept that bucket's scan, no guess at all; the hints read only what a book has and change
/// no query's result (that hints change no value is also what every evaluation test checks).
/// </summary>
public class BigOrderBookRescanPrefetchTests
{
    [Theory]
    [InlineData(BigOrderSizing.Filled, 1, 1.0, 0L)]
    [InlineData(BigOrderSizing.Filled, 2, 2.5, 0L)]
    [InlineData(BigOrderSizing.Filled, 3, 0.0, 5_000_000L)]
    [InlineData(BigOrderSizing.Submitted, 4, 1.0, 0L)]
    public void The_guess_is_the_exact_queries_bucket_until_a_query_keeps_it(BigOrderSizing sizing, int seed, double k, long floor)
    {
        var rng = new Random(seed);
        var book = new BigOrderBook(sizing);
        Assert.Equal(-1, book.GuessRescanBucket(k, floor)); // no order: nothing to guess
        int guessed = 0;
        for (int step = 0; step < 3_000; step++)
        {
            long id = rng.Next(6) == 0 || book.Count == 0 ? book.Count + 1 : 1 + rng.Next(book.Count);
            if (sizing == BigOrderSizing.Submitted && id == book.Count + 1 && rng.Next(2) == 0)
                book.AddSubmitted(id, false, 1 + rng.Next(100), 100 * (1 + rng.Next(2_000)));
            book.AddFill(id, 0, rng.NextInt64(1, 1 << (8 + rng.Next(16))), rng.Next(-99, 99), rng.Next(2) == 0, (byte)'B');
            if (step % 7 != 0) continue;
            book.SumFromBucket(0); // the bucket sums and lists up to the rows, as at the evaluation
            var theta = BookThreshold.Of(book, k, floor);
            int guess = book.GuessRescanBucket(k, floor);
            if (!theta.NoneBig && !theta.AllEqual)
            {
                var (low, high) = theta.Bounds();
                int lowBucket = BigOrderBook.BucketOf(low), highBucket = BigOrderBook.BucketOf(high);
                if (guess >= 0)
                {
                    // θ ± a few ulps of rounding in doubles: the guess is θ's bucket or its neighbour.
                    Assert.InRange(guess, lowBucket - 1, highBucket + 1);
                    guessed++;
                }
            }
            book.PrefetchRescanOctaves(Math.Max(guess, 0));
            book.PrefetchRescanLists(Math.Max(guess, 0));
            book.PrefetchRescanMembers(Math.Max(guess, 0));
            Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
            if (!theta.NoneBig && !theta.AllEqual && theta.Bounds() is var (l, h) && BigOrderBook.BucketOf(l) == BigOrderBook.BucketOf(h))
                Assert.Equal(-1, book.GuessRescanBucket(k, floor)); // the query kept θ's bucket: no rescan to hint
        }
        Assert.True(guessed >= 20, $"{guessed} guesses");
    }

    [Fact]
    public void Hints_at_the_extreme_buckets_read_only_what_the_book_has()
    {
        var book = new BigOrderBook();
        for (long id = 1; id <= 10; id++) book.AddFill(id, 0, id * 1_000, 0, false, (byte)'N');
        book.SumFromBucket(0);
        foreach (int b in new[] { 0, 1, 7, 8, 63 * 8 - 1 })
        {
            book.PrefetchRescanOctaves(b);
            book.PrefetchRescanLists(b);
            book.PrefetchRescanMembers(b);
        }
        var theta = BookThreshold.Of(book, 1, 0);
        Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
    }
}
