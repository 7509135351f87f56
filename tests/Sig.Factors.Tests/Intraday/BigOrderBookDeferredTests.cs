using Sig.Engine.Config;
using Sig.Factors.Intraday;
using Xunit;
using static Sig.Factors.Tests.Intraday.BigOrderBookTests;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// A book defers its bucket sums and member lists until its first θ query has been followed by a
/// flush or a second query: a day queried only at the close (daily outputs) never builds them and
/// answers its one query by a scan of the rows. The answers must be those of the plain scan
/// (<see cref="BigOrderBook.ScanBig"/>) and of a book that kept its buckets all day, bit for bit.
/// </summary>
public class BigOrderBookDeferredTests
{
    private static readonly double[] Multiples = [-0.5, 0.0, 1.0, 2.5];

    [Theory]
    [InlineData(11, 1L, BigOrderSizing.Filled)]
    [InlineData(12, 9973L, BigOrderSizing.Filled)]
    [InlineData(13, 1L, BigOrderSizing.Submitted)]
    [InlineData(14, 9973L, BigOrderSizing.Submitted)]
    public void A_book_queried_once_answers_from_its_rows_and_never_builds_its_buckets(int seed, long idStride, BigOrderSizing sizing)
    {
        var writes = RandomWrites(seed, 4000, idStride, sizing == BigOrderSizing.Submitted);
        foreach (double k in Multiples)
            foreach (long floor in new[] { 0L, 3_000_000L })
            {
                var once = Replay(sizing, writes);
                var kept = Replay(sizing, writes);
                kept.BuildDerived();
                var theta = BookThreshold.Of(once, k, floor);
                Assert.True(once.Deferred);
                var answer = once.SumBig(theta);
                Assert.Equal(once.ScanBig(theta), answer);
                Assert.Equal(kept.SumBig(theta), answer);
                Assert.True(once.Deferred);
                Assert.Equal(0, once.DerivedRebuilds);
                Assert.Equal(0, once.MemberSlabInts);
            }
    }

    [Fact]
    public void Sizes_on_theta_and_books_of_equal_sizes_are_decided_as_the_scan_decides_them()
    {
        // k = 0: θ is the mean, and the middle size lies on it (the tie band's exact decision).
        // Equal sizes: every order is big, unless the floor is above them.
        foreach (long[] sizes in new[] { new[] { 1_000L, 2_000, 3_000 }, [5_000, 5_000, 5_000, 5_000], [7, 7, 7, 9, 9, 11] })
            foreach (long floor in new[] { 0L, 4_000L, 6_000L })
            {
                var book = new BigOrderBook();
                for (int i = 0; i < sizes.Length; i++) book.AddFill(i + 1, 0, sizes[i], i - 1, i % 2 == 0, (byte)'B');
                var theta = BookThreshold.Of(book, 0.0, floor);
                var scan = book.ScanBig(theta);
                Assert.Equal(scan, book.SumBig(theta));
                Assert.True(book.Deferred);
            }
    }

    [Theory]
    [InlineData(21, BigOrderSizing.Filled)]
    [InlineData(22, BigOrderSizing.Submitted)]
    public void A_book_flushed_for_every_minute_builds_its_buckets_at_its_first_flush(int seed, BigOrderSizing sizing)
    {
        // As a day queried every minute: runs of writes, each ended by a flush, a query after each.
        var rng = new Random(seed);
        var writes = RandomWrites(seed, 5000, 1, sizing == BigOrderSizing.Submitted);
        var book = new BigOrderBook(sizing);
        for (int at = 0; at < writes.Count;)
        {
            int end = Math.Min(writes.Count, at + rng.Next(1, 200));
            for (; at < end; at++) writes[at](book);
            book.Flush();
            if (book.Count > 0) Assert.False(book.Deferred);
            var theta = BookThreshold.Of(book, Multiples[rng.Next(Multiples.Length)]);
            Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
        }
        Assert.Equal(0, book.DerivedRebuilds); // built by listing its rows into the day's empty structures
        AssertMembers(book);
    }

    [Theory]
    [InlineData(23, BigOrderSizing.Filled)]
    [InlineData(24, BigOrderSizing.Submitted)]
    public void A_close_only_book_builds_its_buckets_only_at_the_flush_after_its_first_query(int seed, BigOrderSizing sizing)
    {
        var rng = new Random(seed);
        var writes = RandomWrites(seed, 5000, 1, sizing == BigOrderSizing.Submitted);
        var book = new BigOrderBook(sizing);
        int at = 0;
        void Run()
        {
            int end = Math.Min(writes.Count, at + rng.Next(1, 200));
            for (; at < end; at++) writes[at](book);
            book.Flush(deferUntilQueried: true);
        }
        while (at < writes.Count / 2) Run();
        Assert.True(book.Deferred);
        Assert.Equal(0, book.MemberSlabInts);
        var theta = BookThreshold.Of(book, 1.0);
        Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
        Assert.True(book.Deferred);
        // Queried after all (an evaluation before the close): the next flush builds, and it stays built.
        while (at < writes.Count)
        {
            Run();
            Assert.False(book.Deferred);
            theta = BookThreshold.Of(book, Multiples[rng.Next(Multiples.Length)]);
            Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
        }
        AssertMembers(book);
    }

    [Fact]
    public void A_second_query_with_no_flush_between_builds_the_buckets_itself()
    {
        var book = Replay(BigOrderSizing.Filled, RandomWrites(31, 3000, 1, submitted: false));
        var first = BookThreshold.Of(book, 1.0);
        Assert.Equal(book.ScanBig(first), book.SumBig(first));
        Assert.True(book.Deferred);
        var second = BookThreshold.Of(book, 0.0);
        Assert.Equal(book.ScanBig(second), book.SumBig(second));
        Assert.False(book.Deferred);
        AssertMembers(book);
    }

    [Theory]
    [InlineData(41, BigOrderSizing.Filled)]
    [InlineData(42, BigOrderSizing.Submitted)]
    public void A_fork_of_a_deferred_book_defers_too_and_both_answer_their_own_writes(int seed, BigOrderSizing sizing)
    {
        bool submitted = sizing == BigOrderSizing.Submitted;
        var day = RandomWrites(seed, 3000, 1, submitted);
        var originMore = RandomWrites(seed + 100, 1500, 1, submitted);
        var forkMore = RandomWrites(seed + 200, 1500, 1, submitted);
        var origin = Replay(sizing, day);
        var fork = origin.Fork();
        Assert.True(fork.Deferred);
        for (int k = 0; k < 1500; k++)
        {
            originMore[k](origin);
            forkMore[k](fork);
            if (k == 750) _ = fork.Fork();
        }
        Assert.True(origin.Deferred);
        Assert.True(fork.Deferred);
        var originTwin = Replay(sizing, day, originMore);
        var forkTwin = Replay(sizing, day, forkMore);
        var theta = BookThreshold.Of(originTwin, 1.0);
        Assert.Equal(originTwin.ScanBig(theta), origin.SumBig(theta));
        theta = BookThreshold.Of(forkTwin, 1.0);
        Assert.Equal(forkTwin.ScanBig(theta), fork.SumBig(theta));
        // Queried on (as every minute would): built from their own rows, equal to the twins'.
        AssertEqualBooks(originTwin, origin);
        AssertEqualBooks(forkTwin, fork);
        Assert.Equal(MembersImage(originTwin), MembersImage(origin));
        Assert.Equal(MembersImage(forkTwin), MembersImage(fork));
        AssertMembers(origin);
        AssertMembers(fork);
    }

    [Fact]
    public void A_fork_of_a_deferred_book_takes_its_empty_structures_and_lists_its_rows_into_them()
    {
        // A snapshot of a symbol before its first flush: the live fork goes on and builds at its first
        // flush without making new structures; the snapshot, if ever written, makes its own.
        var day = RandomWrites(61, 2000, 1, submitted: false);
        var origin = Replay(BigOrderSizing.Filled, day);
        var fork = origin.Fork();
        fork.Flush();
        Assert.False(fork.Deferred);
        Assert.Equal(0, fork.DerivedRebuilds);
        origin.Flush();
        Assert.Equal(1, origin.DerivedRebuilds);
        var twin = Replay(BigOrderSizing.Filled, day);
        AssertEqualBooks(twin, fork);
        AssertEqualBooks(twin, origin);
        AssertMembers(fork);
        AssertMembers(origin);
    }

    [Fact]
    public void A_cleared_book_defers_again()
    {
        var book = Replay(BigOrderSizing.Filled, RandomWrites(51, 2000, 1, submitted: false));
        book.BuildDerived();
        Assert.False(book.Deferred);
        book.Clear();
        Assert.True(book.Deferred);
        var day2 = RandomWrites(52, 2000, 1, submitted: false);
        foreach (var write in day2) write(book);
        var theta = BookThreshold.Of(book, 1.0);
        Assert.Equal(Replay(BigOrderSizing.Filled, day2).ScanBig(theta), book.SumBig(theta));
        Assert.Equal(0, book.MemberSlabInts);
    }
}
