using Sig.Factors.Intraday;
using Xunit;
using static Sig.Factors.Tests.Intraday.BigOrderBookTests;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The big-order book's member lists: a new order is listed at its first fill's bucket (not in
/// bucket 0 first), entries are 16-bit until the 65,537th row and 32-bit from then on, stale
/// entries are compacted in place, and a fork taken after compactions goes on like a book that
/// was never forked.
/// </summary>
public class BigOrderBookMemberListTests
{
    private static void AssertThetaSums(BigOrderBook book)
    {
        foreach (double k in new[] { -0.5, 0.0, 1.0, 2.5 })
        {
            var theta = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, k, 0);
            Assert.Equal(book.ScanBig(theta), book.SumBig(theta));
        }
    }

    private static (int Entries, int Stale) AllLists(BigOrderBook book)
    {
        int entries = 0, stale = 0;
        for (int b = 0; b < 63 * 8; b++)
        {
            var (e, s) = book.ListOf(b);
            entries += e;
            stale += s;
        }
        return (entries, stale);
    }

    [Fact]
    public void A_new_order_is_listed_once_in_the_bucket_of_its_first_fill()
    {
        var book = new BigOrderBook();
        for (int k = 1; k <= 1000; k++) book.AddFill(k, 0, 1_000 + 37L * k, 1, false, (byte)'B');
        // One entry per order and none stale: no order passed through bucket 0 on its way.
        Assert.Equal((1000, 0), AllLists(book));
        Assert.Equal((0, 0), book.ListOf(0));
        AssertMembers(book);
        // An order whose first fill has no amount stays in bucket 0 until a fill moves it up.
        book.AddFill(5000, 0, 0, 1, false, (byte)'B');
        Assert.Equal([1000], book.MembersOf(0));
        book.AddFill(5000, 0, 50_000, 1, false, (byte)'B');
        Assert.Equal((1, 1), book.ListOf(0));
        Assert.Empty(book.MembersOf(0));
        AssertMembers(book);
        AssertThetaSums(book);
    }

    [Fact]
    public void Stale_entries_are_dropped_in_place_once_they_are_the_majority_and_at_least_16()
    {
        // 40 orders in one bucket ([1024·8/8, 1024·9/8): bucket 80), then moved up one by one.
        var book = new BigOrderBook();
        for (int k = 1; k <= 40; k++) book.AddFill(k, 0, 1_024 + k, 1, false, (byte)'B');
        int bucket = BigOrderBook.BucketOf(1_024);
        Assert.Equal((40, 0), book.ListOf(bucket));
        for (int k = 1; k <= 20; k++) book.AddFill(k, 0, 1_000_000, 1, false, (byte)'B');
        Assert.Equal((40, 20), book.ListOf(bucket)); // 20 stale of 40: not yet the majority
        book.AddFill(21, 0, 1_000_000, 1, false, (byte)'B');
        Assert.Equal((19, 0), book.ListOf(bucket)); // 21 of 40: rewritten with the 19 live ones
        Assert.Equal(Enumerable.Range(21, 19).ToArray(), book.MembersOf(bucket));
        // The lists the moved orders joined are exact too, and so are the sums.
        AssertMembers(book);
        AssertThetaSums(book);
        // A list longer than a block: compaction keeps every live entry across many blocks.
        for (int k = 100; k < 400; k++) book.AddFill(k, 0, 2_048 + k, 1, false, (byte)'B');
        for (int k = 100; k < 400; k += 2) book.AddFill(k, 0, 1_000_000, 1, false, (byte)'B');
        book.AddFill(101, 0, 1_000_000, 1, false, (byte)'B');
        int lower = BigOrderBook.BucketOf(2_048); // orders 100..255; 79 of its 156 moved up
        Assert.Equal((77, 0), book.ListOf(lower));
        AssertMembers(book);
        AssertThetaSums(book);
    }

    [Fact]
    public void The_member_lists_widen_to_32_bits_at_the_65537th_row_and_narrow_again_next_day()
    {
        var book = new BigOrderBook();
        var rng = new Random(5);
        for (int k = 1; k <= 65_536; k++) book.AddFill(k, 0, rng.Next(1_000, 1_000_000), rng.Next(-9, 9), k % 5 == 0, (byte)'B');
        for (int f = 0; f < 20_000; f++) book.AddFill(1 + rng.Next(65_536), 0, rng.Next(1_000, 500_000), 1, false, (byte)'B');
        Assert.False(book.WideMembers); // row numbers 0..65535 fit in 16 bits
        var lists = Enumerable.Range(0, 63 * 8).Select(book.ListOf).ToArray();
        var snapshot = book.Fork(); // a narrow snapshot; the fork (the live side) goes on
        var live = snapshot.Fork();
        // Row 65536: every list is copied to 32-bit entries as it was, stale entries included.
        live.AddFill(70_000, 0, 3, 1, false, (byte)'B');
        Assert.True(live.WideMembers);
        int bucketOfNew = BigOrderBook.BucketOf(3);
        for (int b = 0; b < 63 * 8; b++)
            Assert.Equal(b == bucketOfNew ? (lists[b].Entries + 1, lists[b].Stale) : lists[b], live.ListOf(b));
        Assert.Equal(65_536, live.MembersOf(bucketOfNew)[^1]);
        AssertMembers(live);
        AssertThetaSums(live);
        // Moves and compactions in 32-bit lists, and new rows far above 16 bits.
        for (int f = 0; f < 30_000; f++) live.AddFill(1 + rng.Next(80_000), 0, rng.Next(1_000, 500_000), 1, false, (byte)'B');
        AssertMembers(live);
        AssertThetaSums(live);
        // A restore of the wide book rebuilds wide lists; the narrow snapshot stayed as it was.
        var next = live.Fork(); // takes the lists over
        var restored = live.Fork(); // forked from a book without them: builds its own
        Assert.Equal(0, next.DerivedRebuilds);
        Assert.Equal(1, restored.DerivedRebuilds);
        Assert.True(next.WideMembers);
        Assert.True(restored.WideMembers);
        Assert.Equal(MembersImage(next), MembersImage(restored));
        live = next;
        Assert.False(snapshot.WideMembers);
        Assert.Equal(65_536, snapshot.Count);
        AssertMembers(snapshot);
        // The day reset goes back to 16-bit entries.
        live.Clear();
        Assert.False(live.WideMembers);
        for (int k = 1; k <= 500; k++) live.AddFill(k, 0, 1_000 + k, 1, false, (byte)'B');
        AssertMembers(live);
        AssertThetaSums(live);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(9973L)]
    public void A_fork_taken_after_compactions_goes_on_like_a_book_never_forked(long idStride)
    {
        // 2000 orders filled again and again (bucket moves, compacted lists, blocks reused from the
        // free chain), then forked: the fork takes the compacted lists and their free chain over.
        var writes = new List<Action<BigOrderBook>>();
        var rng = new Random(31);
        for (int round = 0; round < 8; round++)
            for (int k = 1; k <= 2000; k++)
            {
                long id = k * idStride, amount = rng.Next(1_000, 1 << (round + 11));
                writes.Add(b => b.AddFill(id, 0, amount, 1, false, (byte)'B'));
            }
        var more = new List<Action<BigOrderBook>>();
        for (int f = 0; f < 8000; f++)
        {
            long id = (1 + rng.Next(2500)) * idStride, amount = rng.Next(1_000, 1 << 20);
            more.Add(b => b.AddFill(id, 0, amount, 1, false, (byte)'B'));
        }
        var book = new BigOrderBook();
        foreach (var w in writes) w(book);
        var fork = book.Fork();
        var twin = new BigOrderBook();
        foreach (var w in writes) w(twin);
        // Same lists entry for entry (counts and stale counts), then the same writes on all three.
        Assert.Equal(Enumerable.Range(0, 63 * 8).Select(twin.ListOf), Enumerable.Range(0, 63 * 8).Select(fork.ListOf));
        foreach (var w in more) { w(fork); w(twin); w(book); }
        Assert.Equal(Enumerable.Range(0, 63 * 8).Select(twin.ListOf), Enumerable.Range(0, 63 * 8).Select(fork.ListOf));
        Assert.Equal(twin.MemberSlabInts, fork.MemberSlabInts);
        AssertEqualBooks(twin, fork);
        AssertEqualBooks(twin, book); // the origin rebuilt its lists from its rows
        Assert.Equal(MembersImage(twin), MembersImage(fork));
        Assert.Equal(MembersImage(twin), MembersImage(book));
        AssertMembers(fork);
    }
}
