using Sig.Engine.Config;
using Sig.Engine.Persistence;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// A shard's live book forked into the book of the snapshot before last (its object, directories
/// and id index written over): the live book equals a book never forked, and every snapshot still
/// held gives the bytes it was taken with.
/// </summary>
public class BigOrderBookRecycleTests
{
    [Theory]
    [InlineData(1, 1L, BigOrderSizing.Filled)]
    [InlineData(2, 100_003L, BigOrderSizing.Filled)]
    [InlineData(3, 1L, BigOrderSizing.Submitted)]
    [InlineData(4, 9973L, BigOrderSizing.Submitted)]
    public void Forks_into_dropped_snapshots_equal_a_book_never_forked_and_keep_the_held_snapshots(int seed, long idStride, BigOrderSizing sizing)
    {
        var rng = new Random(seed);
        var live = new BigOrderBook(sizing);
        var twin = new BigOrderBook(sizing);
        var held = new Queue<(BigOrderBook Book, byte[] Bytes)>(); // the latest two snapshots, as a shard holds them
        int intoForks = 0;
        for (int k = 1; k <= 20_000; k++)
        {
            // Orders appear over the day (rows grow by chunks between forks), most fills hit recent ones.
            int front = 1 + k / 3;
            long buy = (1 + 2 * (long)(rng.Next(3) == 0 ? rng.Next(front) : Math.Max(0, front - rng.Next(60)))) * idStride;
            long sell = (2 + 2 * (long)(rng.Next(3) == 0 ? rng.Next(front) : Math.Max(0, front - rng.Next(60)))) * idStride;
            if (sizing == BigOrderSizing.Submitted && rng.Next(4) == 0)
            {
                long price = rng.Next(1, 100_000), volume = rng.Next(1, 50_000);
                live.AddSubmitted(buy, false, price, volume);
                twin.AddSubmitted(buy, false, price, volume);
            }
            long amount = rng.Next(1, 2_000_000), logRet = rng.Next(-1000, 1000);
            bool early = k < 3000;
            byte aggressor = (byte)"BSN"[rng.Next(3)];
            live.AddFill(buy, sell, amount, logRet, early, aggressor);
            twin.AddFill(buy, sell, amount, logRet, early, aggressor);
            if (rng.Next(300) != 0) continue;

            var into = held.Count == 2 ? held.Dequeue().Book : null;
            var snapshot = live;
            live = snapshot.Fork(into);
            if (into is not null) { Assert.Same(into, live); intoForks++; }
            held.Enqueue((snapshot, Bytes(snapshot)));
            foreach (var (book, bytes) in held) Assert.True(bytes.AsSpan().SequenceEqual(Bytes(book)), $"write {k}: a held snapshot changed");
            Assert.True(Bytes(twin).AsSpan().SequenceEqual(Bytes(live)), $"write {k}: the live book's bytes");
        }
        BigOrderBookTests.AssertEqualBooks(twin, live);
        Assert.Equal(BigOrderBookTests.MembersImage(twin), BigOrderBookTests.MembersImage(live));
        foreach (var (book, bytes) in held) Assert.True(bytes.AsSpan().SequenceEqual(Bytes(book)), "a held snapshot changed");
        Assert.True(intoForks > 30, $"only {intoForks} forks into dropped books");
    }

    private static byte[] Bytes(BigOrderBook book)
    {
        var writer = new SnapshotWriter();
        book.WriteTo(writer);
        return writer.Written.ToArray();
    }
}
