using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The early side table of <see cref="BigOrderBook"/> (E and EL per chunk of 64 rows, made only
/// for a chunk with an early fill): which chunks get one, and copy-on-write of it across forks,
/// against books that received the same fills and were never forked.
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
    public void Only_chunks_with_an_early_fill_get_an_early_side_table()
    {
        // Rows come in chunks of 64: orders 0..299 make rows 0..299 (five chunks); only orders
        // 70..79 fill early, so only the second chunk carries E and EL.
        var book = new BigOrderBook();
        FillRange(book, 0, 300, 1, 91, earlyFrom: 70, earlyTo: 80);
        Assert.Equal(1, book.EarlySideTables);
        FillRange(book, 0, 300, 1, 92, earlyFrom: 0, earlyTo: 0); // late fills again: nothing new
        Assert.Equal(1, book.EarlySideTables);
        FillRange(book, 250, 251, 1, 93, earlyFrom: 250, earlyTo: 251); // an early fill in the fourth chunk
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
        // Rows 0..191 (three chunks); the first chunk already has early sums when forked, the others
        // none. Then each side fills early in every chunk: the shared side table is copied by the
        // first writer, a missing one made by each writer for itself; the other side never moves.
        static void Day(BigOrderBook b, long stride) => FillRange(b, 0, 192, stride, 95, earlyFrom: 0, earlyTo: 40);
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
}
