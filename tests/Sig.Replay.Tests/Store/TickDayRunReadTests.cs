using Sig.Engine.Events;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Replay.Tests.Store;

/// <summary>
/// <see cref="TickDay.OpenRunReader()"/> reads whole symbols in ascending order a column block at a
/// time: it must give what the positioned-read path gives for the same ranges (blocks of one symbol,
/// of several, larger than the buffer it keeps), verify each block from the bytes it reads, refuse a
/// flipped byte with the same error as the other paths and never trust that block afterwards, and
/// refuse ranges outside a symbol.
/// </summary>
public sealed class TickDayRunReadTests
{
    private static readonly DateOnly Day = TickStoreTests.Day;
    private static readonly int[] Sizes = [700, 0, 3, 5000, 1, 64, 9000, 12, 513, 0, 2];

    private static SymbolCode Symbol(int i) => TickDayReadTests.Symbol(i);
    private static TickEvent[] Events(int i) => TickDayReadTests.Events(Symbol(i), Sizes[i], i + 1);

    [Theory]
    [InlineData(3, TickDay.RunReaderMaxBlockBytes)]
    [InlineData(1000, TickDay.RunReaderMaxBlockBytes)]
    [InlineData(1 << 16, TickDay.RunReaderMaxBlockBytes)]
    [InlineData(1000, 100_000)] // the 5000- and 9000-row symbols' blocks are over it: read through the positioned path
    public void Whole_symbols_in_order_in_random_pieces_equal_the_stored_events(int blockRows, long maxBlockBytes)
    {
        using var dir = new TempDir();
        using var day = TickDay.Open(TickDayReadTests.WriteDay(dir.Path, blockRows, Sizes), Day);
        var random = new Random(blockRows);
        using var reader = day.OpenRunReader(maxBlockBytes);
        for (int i = 0; i < Sizes.Length; i++)
        {
            var got = new TickEvent[Sizes[i]];
            for (int at = 0; at < got.Length;)
            {
                int n = Math.Min(got.Length - at, random.Next(1, 1600));
                reader.Read(i, at, got.AsSpan(at, n));
                at += n;
            }
            reader.Read(i, Sizes[i], Span<TickEvent>.Empty);
            Assert.Equal(Events(i), got);
        }
    }

    [Fact]
    public void A_flipped_byte_is_refused_as_by_the_positioned_path_and_its_block_is_never_trusted()
    {
        using var dir = new TempDir();
        string path = TickDayReadTests.WriteDay(dir.Path, 1000, Sizes);
        byte[] bytes = File.ReadAllBytes(path);
        // Symbol 0 (700 rows) and the two after it share block 0; symbol 3 (5000 rows) is in block 1.
        bytes[256 + 700 * 8 - 1] ^= 0x20; // the last byte of symbol 0's seq column
        File.WriteAllBytes(path, bytes);
        string expected;
        using (var day = TickDay.Open(path, Day))
            expected = Assert.Throws<InvalidDataException>(() => day.ReadEvents(0, new TickEvent[700])).Message;
        Assert.Contains("column block 0", expected);
        Assert.Contains(path, expected);
        using (var day = TickDay.Open(path, Day))
        {
            using var reader = day.OpenRunReader();
            var ex = Assert.Throws<InvalidDataException>(() => reader.Read(0, 0, new TickEvent[10]));
            Assert.Equal(expected, ex.Message);
            Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => reader.Read(2, 0, new TickEvent[3])).Message);
            // A later block is intact and reads; the bad one still fails on every path.
            var later = new TickEvent[Sizes[3]];
            reader.Read(3, 0, later);
            Assert.Equal(Events(3), later);
            Assert.Throws<InvalidDataException>(() => day.VerifyAll());
        }
    }

    [Fact]
    public void Ranges_outside_a_symbol_are_refused_and_a_disposed_day_refuses_to_read()
    {
        using var dir = new TempDir();
        var day = TickDay.Open(TickDayReadTests.WriteDay(dir.Path, 16, [0, 5]), Day);
        using var reader = day.OpenRunReader();
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(1, 3, new TickEvent[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(1, -1, new TickEvent[1]));
        reader.Read(0, 0, Span<TickEvent>.Empty);
        var got = new TickEvent[5];
        reader.Read(1, 0, got);
        Assert.Equal(TickDayReadTests.Events(Symbol(1), 5, 2), got);
        day.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.Read(1, 0, got));
        Assert.Throws<ObjectDisposedException>(() => day.OpenRunReader());
    }
}
