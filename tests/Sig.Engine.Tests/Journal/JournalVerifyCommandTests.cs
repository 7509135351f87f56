using Sig.Engine.Host;
using Sig.Engine.Host.Commands;
using Sig.Engine.Journal;
using Xunit;

namespace Sig.Engine.Tests.Journal;

public class JournalVerifyCommandTests : IDisposable
{
    private readonly JournalFixture _journal = new();

    public void Dispose() => _journal.Dispose();

    private int Verify() => Cli.Run(["journal", "verify", _journal.Directory]);

    [Fact]
    public void Sound_journal_exits_zero()
    {
        _journal.Write(300);
        Assert.Equal(0, Verify());
    }

    [Fact]
    public void Torn_tail_only_exits_zero()
    {
        _journal.Write(300);
        using (var file = new FileStream(_journal.Segments[^1].Path, FileMode.Append)) file.Write(new byte[] { 1, 2, 3 });
        Assert.Equal(0, Verify());
    }

    [Fact]
    public void Corruption_mid_journal_exits_three()
    {
        _journal.Write(300);
        JournalFixture.FlipByte(_journal.Segments[1].Path, 40);
        Assert.Equal(JournalCommand.CorruptExitCode, Verify());
    }

    /// <summary>300 records with a minute watermark (Sync: fsync and checkpoint) every 50, then <paramref name="unsynced"/> more.</summary>
    private void WriteWithWatermarks(int unsynced = 0, long segmentBytes = 2048)
    {
        using var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options(segmentBytes));
        for (long seq = 50; seq <= 300; seq += 50)
        {
            JournalFixture.AppendUpTo(writer, seq);
            writer.Sync();
        }
        JournalFixture.AppendUpTo(writer, 300 + unsynced);
    }

    [Fact]
    public void A_missing_last_segment_is_damage_not_a_shorter_journal()
    {
        WriteWithWatermarks();
        Assert.Equal(0, Verify());
        // The failure: with the last segment deleted, the journal used to read "sound", one segment shorter.
        File.Delete(_journal.Segments[^1].Path);
        Assert.Equal(JournalCommand.CorruptExitCode, Verify());
        Assert.Contains("is missing", Assert.Throws<InvalidDataException>(() => _journal.ReadAll()).Message);
        Assert.Contains("is missing", Assert.Throws<InvalidDataException>(() => JournalWriter.Open(_journal.Directory, JournalFixture.Options())).Message);
    }

    [Fact]
    public void A_journal_cut_in_half_is_damage_and_the_writer_refuses_to_cut_or_append()
    {
        WriteWithWatermarks();
        var segments = _journal.Segments;
        // The failure: half the segments gone and the last kept one cut at a record boundary used to read "sound" too.
        foreach (var (_, path) in segments.Skip(segments.Count / 2 + 1)) File.Delete(path);
        string last = segments[segments.Count / 2].Path;
        long first = JournalFixture.FirstSequenceOf(last);
        var boundaries = JournalFixture.RecordBoundaries(first, first + 3);
        long sizeBefore = new FileInfo(last).Length;
        using (var file = new FileStream(last, FileMode.Open)) file.SetLength(boundaries[2]);

        Assert.Equal(JournalCommand.CorruptExitCode, Verify());
        var read = Assert.Throws<InvalidDataException>(() => _journal.ReadAll());
        Assert.Contains("checkpoint says records through 300", read.Message);
        Assert.Throws<InvalidDataException>(() => JournalWriter.Open(_journal.Directory, JournalFixture.Options()));
        Assert.Equal(boundaries[2], new FileInfo(last).Length); // nothing truncated by the refused open
        Assert.True(sizeBefore > boundaries[2]);
    }

    [Fact]
    public void A_torn_tail_after_the_last_watermark_is_still_only_a_torn_tail()
    {
        WriteWithWatermarks(unsynced: 10, segmentBytes: 1 << 20);
        string last = _journal.Segments[^1].Path;
        using (var file = new FileStream(last, FileMode.Open)) file.SetLength(file.Length - 5);
        Assert.Equal(0, Verify());
        using var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options());
        Assert.Equal(309, writer.LastSequence);
        Assert.Equal(1, writer.TornTailsCut);
    }

    [Fact]
    public void A_cut_before_the_last_watermark_is_damage_even_inside_the_last_segment()
    {
        WriteWithWatermarks(unsynced: 10, segmentBytes: 1 << 20);
        string last = _journal.Segments[^1].Path;
        long first = JournalFixture.FirstSequenceOf(last);
        // Cut one byte into record 300: it looks like a torn tail, but the checkpoint vouches for record 300.
        var boundaries = JournalFixture.RecordBoundaries(first, 300);
        using (var file = new FileStream(last, FileMode.Open)) file.SetLength(boundaries[^2] + 1);
        Assert.Equal(JournalCommand.CorruptExitCode, Verify());
        Assert.Contains("cut short", Assert.Throws<InvalidDataException>(() => JournalWriter.Open(_journal.Directory, JournalFixture.Options())).Message);
    }
}
