using System.Globalization;
using Sig.Engine.Events;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Replay.Tests.Store;

/// <summary>
/// <see cref="TickDay.ReadEvents(int, int, Span{TickEvent})"/> reads the columns with positioned reads,
/// <see cref="TickDay.Columns"/> through the map: the two must agree row for row at every offset and
/// length (chunk edges, block edges, empty symbols), and the positioned path must leave the column
/// pages out of the process's resident set, which the mapped path does not.
/// </summary>
public sealed class TickDayReadTests
{
    private static readonly DateOnly Day = TickStoreTests.Day;
    private const int Chunk = TickDay.ReadChunkRows;

    /// <summary>Symbols sized around the read chunk (and an empty one), in blocks smaller and larger than they are.</summary>
    private static readonly int[] Sizes = [0, 1, 5, Chunk - 1, Chunk, Chunk + 1, 2 * Chunk + Chunk / 2, 37];

    internal static SymbolCode Symbol(int i) => SymbolCode.Parse((600000 + i).ToString("D6", CultureInfo.InvariantCulture) + ".SH");

    /// <summary>Events whose every field depends on the symbol and the row, so a row from the wrong place shows.</summary>
    internal static TickEvent[] Events(SymbolCode s, int n, int salt)
    {
        var e = new TickEvent[n];
        for (int k = 0; k < n; k++)
        {
            long seq = 1000L * salt + k;
            int time = 93000000 + k;
            e[k] = k % 3 == 0
                ? TickEvent.Trade(s, time, seq, 10_000 + salt + k, 100 * (k + 1), 7 * k + salt, 11 * k + salt, k % 2 == 0 ? 'B' : 'S', 'F')
                : TickEvent.Order(s, time, seq, 13 * k + salt, k % 4 == 0 ? 'B' : 'S', 20_000 + k, 100 + k, k % 5 == 0 ? 'M' : 'L');
        }
        return e;
    }

    internal static string WriteDay(string dir, int blockRows, int[] sizes)
    {
        using var writer = new TickStoreWriter(dir, blockRows);
        using var day = writer.BeginDay(Day, ReferenceSchema.Default, []);
        for (int i = 0; i < sizes.Length; i++) day.WriteSymbol(Symbol(i), Events(Symbol(i), sizes[i], salt: i + 1));
        day.Commit();
        return Path.Combine(dir, "2024-01-02.tick");
    }

    private static TickEvent[] FromColumns(TickDay day, int i)
    {
        var c = day.Columns(i);
        var e = new TickEvent[c.Count];
        for (int k = 0; k < c.Count; k++)
            e[k] = new TickEvent
            {
                Seq = c.Seq[k], Price = c.Price[k], Volume = c.Volume[k], BuyOrderId = c.BuyOrderId[k], SellOrderId = c.SellOrderId[k],
                Symbol = c.Symbol.Value, Time = c.Time[k], Kind = (TickKind)c.Kind[k], Side = c.Side[k], Type = c.Type[k],
            };
        return e;
    }

    [Theory]
    [InlineData(3)]           // most symbols larger than a block: one block each
    [InlineData(Chunk)]       // blocks of a few symbols
    [InlineData(1 << 16)]     // one block for the day
    public void Positioned_reads_equal_the_mapped_columns_at_every_offset_and_length(int blockRows)
    {
        using var dir = new TempDir();
        WriteDay(dir.Path, blockRows, Sizes);
        using var day = TickDay.Open(Path.Combine(dir.Path, "2024-01-02.tick"), Day);
        for (int i = 0; i < Sizes.Length; i++)
        {
            var want = Events(Symbol(i), Sizes[i], salt: i + 1);
            Assert.Equal(want, FromColumns(day, i));
            var whole = new TickEvent[Sizes[i] + 3];
            day.ReadEvents(i, whole);
            Assert.Equal(want, whole[..Sizes[i]]);
            // Offsets and lengths that start, end or straddle a chunk edge, and the read-ahead slot sizes a replay uses.
            foreach (int offset in new[] { 0, 1, Chunk - 2, Chunk, Chunk + 5, Sizes[i] - 1, Sizes[i] })
                foreach (int length in new[] { 0, 1, 3, 64, Chunk - 1, Chunk + 2, 2 * Chunk + 1 })
                {
                    if (offset < 0 || offset + length > Sizes[i]) continue;
                    var got = new TickEvent[length];
                    day.ReadEvents(i, offset, got);
                    Assert.True(want.AsSpan(offset, length).SequenceEqual(got), $"symbol {i} events {offset}..{offset + length}");
                }
        }
    }

    [Fact]
    public void Reads_outside_a_symbol_and_reads_of_a_disposed_day_are_refused()
    {
        using var dir = new TempDir();
        WriteDay(dir.Path, 16, [0, 5]);
        var day = TickDay.Open(Path.Combine(dir.Path, "2024-01-02.tick"), Day);
        day.ReadEvents(0, 0, Span<TickEvent>.Empty); // an empty symbol reads nothing
        Assert.Throws<ArgumentOutOfRangeException>(() => day.ReadEvents(0, 0, new TickEvent[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => day.ReadEvents(1, 3, new TickEvent[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => day.ReadEvents(1, -1, new TickEvent[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => day.ReadEvents(1, int.MaxValue, new TickEvent[1]));
        day.Dispose();
        Assert.Throws<ObjectDisposedException>(() => day.ReadEvents(1, 0, new TickEvent[1]));
    }

    [LinuxFact]
    public void Reading_every_event_leaves_the_column_pages_out_of_the_process()
    {
        using var dir = new TempDir();
        // 24 symbols × 40,000 rows × 47 bytes: 45 MB of columns, against a few pages of header and sections.
        string path = WriteDay(dir.Path, 1 << 16, Enumerable.Repeat(40_000, 24).ToArray());
        using var day = TickDay.Open(path, Day);
        long fileBytes = new FileInfo(path).Length;
        var buffer = new TickEvent[64];
        long volume = 0;
        for (int i = 0; i < day.SymbolCount; i++)
            for (int at = 0; at < day.EventCount(i); at += buffer.Length) // a replay's pattern: a slot at a time
            {
                int n = Math.Min(buffer.Length, day.EventCount(i) - at);
                day.ReadEvents(i, at, buffer.AsSpan(0, n));
                volume += buffer[n - 1].Volume;
            }
        long afterReads = MappedResidentBytes(path);
        Assert.True(afterReads < fileBytes / 8, $"{afterReads} of {fileBytes} bytes resident after positioned reads");

        // The probe sees mapped pages: the same reads through the map make most of the file resident.
        long viaMap = 0;
        for (int i = 0; i < day.SymbolCount; i++)
        {
            var c = day.Columns(i);
            for (int k = 0; k < c.Count; k++) viaMap += c.Seq[k] + c.Price[k] + c.Volume[k] + c.BuyOrderId[k] + c.SellOrderId[k] + c.Time[k] + c.Kind[k] + c.Side[k] + c.Type[k];
        }
        Assert.NotEqual(0, viaMap + volume);
        long afterMap = MappedResidentBytes(path);
        Assert.True(afterMap > fileBytes / 2, $"{afterMap} of {fileBytes} bytes resident after reading through the map");
    }

    /// <summary>Resident bytes of this process's mappings of <paramref name="path"/> (/proc/self/smaps).</summary>
    private static long MappedResidentBytes(string path)
    {
        long kb = 0;
        bool inFile = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-')) inFile = line.EndsWith(path, StringComparison.Ordinal);
            else if (inFile && line.StartsWith("Rss:", StringComparison.Ordinal))
                kb += long.Parse(line.AsSpan(4).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
        return kb * 1024;
    }
}

/// <summary>A fact that needs Linux (/proc); skipped, with the reason, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "reads /proc/self/smaps (Linux only)";
    }
}
