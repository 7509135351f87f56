using Sig.Engine.Events;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Replay.Tests.Store;

/// <summary>
/// <see cref="TickDay.ReadEvents(ReadOnlySpan{EventRead}, Span{TickEvent})"/> reads several symbols'
/// ranges at once, through io_uring where the machine has it: it must give, range for range, what one
/// positioned read per range gives (random ranges over block edges, batches larger than a submission,
/// ranges larger than the scratch), fail on a file truncated since it was opened with the very error
/// the positioned path raises, and say which path it took. The io_uring cases are skipped, with the
/// reason, on a machine without it; the selection tests run everywhere.
/// </summary>
public sealed class TickDayBatchReadTests
{
    private static readonly DateOnly Day = TickStoreTests.Day;

    /// <summary>Sizes around the submission's scratch (a range over it is split) and small ones, an empty symbol among them.</summary>
    private static readonly int[] Sizes = [700, 0, 3, TickDay.BatchScratchRows + 17, 1, 5000, 64, 2 * TickDay.BatchScratchRows + 3, 12, 513];

    // The same symbols, events and day file as the single-range tests, so the two compare like with like.
    private static SymbolCode Symbol(int i) => TickDayReadTests.Symbol(i);
    private static TickEvent[] Events(SymbolCode s, int n, int salt) => TickDayReadTests.Events(s, n, salt);
    private static string WriteDay(string dir, int blockRows, int[] sizes) => TickDayReadTests.WriteDay(dir, blockRows, sizes);

    [Theory]
    [InlineData(StoreReads.Pread)]
    [InlineData(StoreReads.Auto)]
    public void Batched_reads_equal_one_read_per_range(StoreReads reads) => AssertBatchesEqualSingleReads(reads);

    [UringFact]
    public void Batched_io_uring_reads_equal_one_read_per_range() => AssertBatchesEqualSingleReads(StoreReads.Uring);

    [UringFact]
    public void A_file_truncated_since_it_was_opened_fails_through_io_uring_as_through_pread()
    {
        using var dir = new TempDir();
        string path = WriteDay(dir.Path, 1000, Sizes);
        using var uring = TickDay.Open(path, Day, StoreReads.Uring);
        using var pread = TickDay.Open(path, Day, StoreReads.Pread);
        uring.VerifyAll(); // the checksum pass reads with pread: done before the cut, so the batch itself meets the end
        pread.VerifyAll();
        int last = Sizes.Length - 1;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            file.SetLength(file.Length - 4000); // into the last block's columns
        EventRead[] reads = [new(last, 0, Sizes[last], 0)];
        var viaUring = Assert.Throws<InvalidDataException>(() => uring.ReadEvents(reads, new TickEvent[Sizes[last]]));
        var viaPread = Assert.Throws<InvalidDataException>(() => pread.ReadEvents(reads, new TickEvent[Sizes[last]]));
        var single = Assert.Throws<InvalidDataException>(() => pread.ReadEvents(last, 0, new TickEvent[Sizes[last]]));
        Assert.Equal(single.Message, viaPread.Message);
        Assert.Equal(single.Message, viaUring.Message);
        Assert.Contains(path, viaUring.Message);
        Assert.Contains("truncated since it was opened", viaUring.Message);
        Assert.Equal("io_uring", uring.BatchReadPath);
    }

    [Fact]
    public void The_path_taken_is_the_one_asked_for_or_what_auto_finds_here()
    {
        using var dir = new TempDir();
        string path = WriteDay(dir.Path, 1000, [10, 20]);
        using (var day = TickDay.Open(path, Day, StoreReads.Pread))
        {
            Assert.Null(day.BatchReadPath);
            day.ReadEvents([new EventRead(1, 0, 20, 0)], new TickEvent[20]);
            Assert.Equal("pread", day.BatchReadPath);
        }
        string? why = StoreReadPaths.WhyUringUnavailable;
        using (var day = TickDay.Open(path, Day, StoreReads.Auto))
        {
            day.ReadEvents([new EventRead(1, 0, 20, 0)], new TickEvent[20]);
            Assert.Equal(why is null ? "io_uring" : $"pread (auto: {why})", day.BatchReadPath);
        }
        Assert.Equal(StoreReads.Pread, StoreReadPaths.Resolve(StoreReads.Pread));
        Assert.Equal(why is null ? StoreReads.Uring : StoreReads.Pread, StoreReadPaths.Resolve(StoreReads.Auto));
        if (why is null)
        {
            Assert.Equal(StoreReads.Uring, TickStore.Open(dir.Path, StoreReads.Uring).Reads);
            Assert.StartsWith("io_uring", TickStore.Open(dir.Path).ReadPath);
        }
        else
        {
            // Asked for where it is not: refused when the store is opened, naming why.
            var ex = Assert.Throws<NotSupportedException>(() => TickStore.Open(dir.Path, StoreReads.Uring));
            Assert.Contains(why, ex.Message);
            Assert.Contains(why, TickStore.Open(dir.Path).ReadPath);
        }
        Assert.Equal(StoreReads.Uring, StoreReadPaths.Parse("uring"));
        Assert.Throws<ArgumentException>(() => StoreReadPaths.Parse("mmap"));
    }

    [Fact]
    public void Batched_reads_outside_a_symbol_or_the_destination_are_refused()
    {
        using var dir = new TempDir();
        using var day = TickDay.Open(WriteDay(dir.Path, 16, [0, 5]), Day);
        Assert.Throws<ArgumentOutOfRangeException>(() => day.ReadEvents([new EventRead(1, 3, 3, 0)], new TickEvent[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => day.ReadEvents([new EventRead(1, -1, 1, 0)], new TickEvent[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => day.ReadEvents([new EventRead(1, 0, 5, 4)], new TickEvent[8]));
        day.ReadEvents([new EventRead(0, 0, 0, 0)], Span<TickEvent>.Empty); // an empty symbol reads nothing
        // A batch refused after a submission's worth of reads were queued leaves none behind: the next full one fits and reads what it asks for.
        var refused = Enumerable.Range(0, TickDay.BatchPieces - 1).Select(k => new EventRead(1, 0, 5, 5 * k)).Append(new EventRead(1, 4, 2, 0)).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => day.ReadEvents(refused, new TickEvent[5 * TickDay.BatchPieces]));
        var full = Enumerable.Range(0, TickDay.BatchPieces).Select(k => new EventRead(1, k % 3, 2, 2 * k)).ToArray();
        var got = new TickEvent[2 * TickDay.BatchPieces];
        day.ReadEvents(full, got);
        var want = Events(Symbol(1), 5, salt: 2);
        for (int k = 0; k < full.Length; k++) Assert.Equal(want[(k % 3)..(k % 3 + 2)], got[(2 * k)..(2 * k + 2)]);
    }

    private static void AssertBatchesEqualSingleReads(StoreReads reads)
    {
        using var dir = new TempDir();
        foreach (int blockRows in new[] { 3, 1000, 1 << 16 })
        {
            string path = WriteDay(dir.Path, blockRows, Sizes);
            using var day = TickDay.Open(path, Day, reads);
            var random = new Random(blockRows);
            for (int round = 0; round < 20; round++)
            {
                // Up to three submissions' worth of ranges, each at its own place in one destination, gaps between.
                int count = random.Next(1, 3 * TickDay.BatchPieces);
                var batch = new EventRead[count];
                int at = 0;
                for (int r = 0; r < count; r++)
                {
                    int i = random.Next(Sizes.Length), offset = random.Next(Sizes[i] + 1);
                    int length = random.Next(Math.Min(Sizes[i] - offset, round % 5 == 0 ? int.MaxValue : 600) + 1);
                    at += random.Next(3);
                    batch[r] = new EventRead(i, offset, length, at);
                    at += length;
                }
                var got = new TickEvent[at + 2];
                var want = new TickEvent[at + 2];
                day.ReadEvents(batch, got);
                foreach (var r in batch) day.ReadEvents(r.Index, r.Offset, want.AsSpan(r.At, r.Count));
                Assert.True(want.AsSpan().SequenceEqual(got), $"blocks of {blockRows} rows, round {round}");
                foreach (var r in batch)
                    Assert.True(Events(Symbol(r.Index), Sizes[r.Index], r.Index + 1).AsSpan(r.Offset, r.Count).SequenceEqual(got.AsSpan(r.At, r.Count)));
            }
            if (reads == StoreReads.Uring) Assert.Equal("io_uring", day.BatchReadPath);
            File.Delete(path);
        }
    }
}

/// <summary>A fact that needs io_uring; skipped, with the reason this machine has none, elsewhere.</summary>
public sealed class UringFactAttribute : FactAttribute
{
    public UringFactAttribute()
    {
        if (StoreReadPaths.WhyUringUnavailable is { } why) Skip = $"io_uring is unavailable here: {why}";
    }
}
