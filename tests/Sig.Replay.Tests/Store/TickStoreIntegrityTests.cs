using Sig.Engine.Events;
using Sig.Replay.Store;
using Xunit;
using static Sig.Replay.Tests.Store.TickStoreTests;

namespace Sig.Replay.Tests.Store;

public class TickStoreIntegrityTests
{
    /// <summary>Opens the day and reads every block; throws what a reader would see.</summary>
    private static void ReadWholeDay(string dir)
    {
        using var day = TickStore.Open(dir).OpenDay(Day);
        var buffer = new TickEvent[256];
        for (int i = 0; i < day.SymbolCount; i++) day.ReadEvents(i, buffer);
    }

    [Fact]
    public void Every_single_flipped_byte_is_refused_with_the_file_named()
    {
        using var dir = new TempDir();
        string path = WriteSampleDay(dir.Path);
        byte[] original = File.ReadAllBytes(path);
        for (int at = 0; at < original.Length; at++)
        {
            var bytes = (byte[])original.Clone();
            bytes[at] ^= 0x10;
            File.WriteAllBytes(path, bytes);
            var ex = Assert.Throws<InvalidDataException>(() => ReadWholeDay(dir.Path));
            Assert.Contains(path, ex.Message);
        }
        File.WriteAllBytes(path, original);
        ReadWholeDay(dir.Path);
    }

    [Theory]
    [InlineData(10, "header checksum")]
    [InlineData(-1, "schema section checksum")]
    [InlineData(-2, "index section checksum")]
    [InlineData(-3, "reference section checksum")]
    [InlineData(-4, "block table section checksum")]
    [InlineData(-5, "column block 0")]
    public void The_message_says_which_part_failed(int where, string expected)
    {
        using var dir = new TempDir();
        string path = WriteSampleDay(dir.Path);
        byte[] bytes = File.ReadAllBytes(path);
        long Section(int slot) => BitConverter.ToInt64(bytes, 80 + 24 * slot);
        long at = where >= 0 ? where : where == -5 ? 256 + 20 : Section(-where - 1) + 1;
        bytes[at] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidDataException>(() => ReadWholeDay(dir.Path));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("2024-01-02.tick", ex.Message);
    }

    [Fact]
    public void A_block_checksummed_in_several_reads_refuses_a_flip_in_any_of_them()
    {
        // One symbol in one block of a little over three checksum reads: a flipped byte in the first,
        // at each edge between two reads and in the last is refused; the intact block reads back.
        const int RowBytes = 5 * sizeof(long) + sizeof(int) + 3; // the nine columns of a row
        const int rows = 3 * TickDay.VerifyChunkBytes / RowBytes + 100;
        using var dir = new TempDir();
        string path;
        using (var writer = new TickStoreWriter(dir.Path, rows))
        using (var written = writer.BeginDay(Day, ReferenceSchema.Default, []))
        {
            written.WriteSymbol(A, Events(A, rows));
            written.Commit();
            path = Path.Combine(dir.Path, "2024-01-02.tick");
        }
        byte[] original = File.ReadAllBytes(path);
        long blockStart = 256, blockBytes = (long)rows * RowBytes;
        Assert.True(blockBytes > 3L * TickDay.VerifyChunkBytes);
        var flips = new List<long> { 0, blockBytes - 1 };
        for (int k = 1; k <= 3; k++) flips.AddRange([k * TickDay.VerifyChunkBytes - 1L, k * TickDay.VerifyChunkBytes]);
        foreach (long at in flips)
        {
            var bytes = (byte[])original.Clone();
            bytes[blockStart + at] ^= 0x40;
            File.WriteAllBytes(path, bytes);
            using var day = TickStore.Open(dir.Path).OpenDay(Day);
            var ex = Assert.Throws<InvalidDataException>(() => day.VerifyAll());
            Assert.Contains("column block 0", ex.Message);
        }
        File.WriteAllBytes(path, original);
        using (var day = TickStore.Open(dir.Path).OpenDay(Day))
        {
            var buffer = new TickEvent[rows];
            day.ReadEvents(0, buffer);
            Assert.Equal(Events(A, rows), buffer);
        }
    }

    [Fact]
    public void A_flipped_column_byte_fails_when_its_block_is_read_not_at_open()
    {
        using var dir = new TempDir();
        string path = WriteSampleDay(dir.Path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[256 + 3] ^= 1; // block 0 holds A's first rows
        File.WriteAllBytes(path, bytes);
        using var day = TickStore.Open(dir.Path).OpenDay(Day);
        var buffer = new TickEvent[64];
        day.ReadEvents(3, buffer); // D lives in a later block
        Assert.Throws<InvalidDataException>(() => day.ReadEvents(0, buffer));
        Assert.Throws<InvalidDataException>(() => day.VerifyAll());
    }

    [Fact]
    public void Truncated_files_are_refused()
    {
        using var dir = new TempDir();
        string path = WriteSampleDay(dir.Path);
        byte[] original = File.ReadAllBytes(path);
        foreach (int length in new[] { 0, 1, 100, 255, 256, 300, original.Length / 2, original.Length - 1 })
        {
            File.WriteAllBytes(path, original.AsSpan(0, length).ToArray());
            var ex = Assert.Throws<InvalidDataException>(() => ReadWholeDay(dir.Path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("truncated", ex.Message);
        }
        File.WriteAllBytes(path, [.. original, 0]);
        Assert.Contains("extended", Assert.Throws<InvalidDataException>(() => ReadWholeDay(dir.Path)).Message);
    }

    [Fact]
    public void A_writer_disposed_without_commit_leaves_nothing()
    {
        using var dir = new TempDir();
        using (var writer = new TickStoreWriter(dir.Path, 4))
        using (var w = writer.BeginDay(Day, ReferenceSchema.Default, [Reference(A)]))
        {
            w.WriteSymbol(A, Events(A, 30));
            Assert.True(File.Exists(w.TempPath));
        }
        Assert.Empty(TickStore.Open(dir.Path).Dates);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void An_abandoned_temp_file_of_a_killed_writer_is_never_a_day()
    {
        using var dir = new TempDir();
        WriteSampleDay(dir.Path);
        // A killed writer leaves its temp file behind: copy one mid-write, before Dispose can delete it.
        var next = new DateOnly(2024, 1, 3);
        using (var writer = new TickStoreWriter(dir.Path, 4))
        using (var w = writer.BeginDay(next, ReferenceSchema.Default, [Reference(A, next)]))
        {
            w.WriteSymbol(A, Events(A, 30));
            File.Copy(w.TempPath, Path.Combine(dir.Path, ".tmp-2024-01-03-killed"));
        }
        File.WriteAllBytes(Path.Combine(dir.Path, ".tmp-2024-01-04-0123"), [1, 2, 3]);
        File.WriteAllText(Path.Combine(dir.Path, "notes.txt"), "not a day");
        var store = TickStore.Open(dir.Path);
        Assert.Equal([Day], store.Dates);
        Assert.Equal(2, store.TempFiles().Count);
        Assert.Throws<ArgumentException>(() => store.OpenDay(next));
        ReadWholeDay(dir.Path);
    }

    [Fact]
    public void Rewriting_a_day_replaces_it_whole_and_an_open_reader_keeps_the_old_one()
    {
        using var dir = new TempDir();
        WriteSampleDay(dir.Path);
        using var old = TickStore.Open(dir.Path).OpenDay(Day);
        using (var writer = new TickStoreWriter(dir.Path))
        using (var w = writer.BeginDay(Day, ReferenceSchema.Default, [Reference(B)]))
        {
            w.WriteSymbol(B, Events(B, 7));
            w.Commit();
        }
        using var fresh = TickStore.Open(dir.Path).OpenDay(Day);
        Assert.Equal(1, fresh.SymbolCount);
        Assert.Equal(7, fresh.TotalEvents);
        Assert.Equal(66, old.TotalEvents);
        old.VerifyAll();
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}
