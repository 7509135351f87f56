using Sig.Engine.Journal;
using Xunit;

namespace Sig.Engine.Tests.Journal;

/// <summary>
/// A journal that begins after a cut (journal.start): its records keep their input numbers, it reopens and rolls like
/// any journal, readers begin at its first record, and the records a short journal held are set aside, never mixed in.
/// </summary>
public class JournalStartTests : IDisposable
{
    private readonly JournalFixture _journal = new();

    public void Dispose() => _journal.Dispose();

    [Fact]
    public void An_empty_journal_begins_after_the_cut_and_keeps_the_numbering_across_reopens_and_rolls()
    {
        using (var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options()))
        {
            Assert.Null(writer.BeginAfter(new JournalStart(100, 4321, "postgresql c/shard-0-of-2#100")));
            JournalFixture.AppendUpTo(writer, 160);
        }
        using (var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options()))
        {
            Assert.Equal(160, writer.LastSequence);
            JournalFixture.AppendUpTo(writer, 400);
            Assert.True(writer.Segments > 2);
        }
        Assert.Equal(new JournalStart(100, 4321, "postgresql c/shard-0-of-2#100"), JournalStart.Read(_journal.Directory));
        var (all, torn) = _journal.ReadAll();
        Assert.Null(torn);
        Assert.Equal(Enumerable.Range(101, 300).Select(i => (long)i), all);
        Assert.Equal(Enumerable.Range(350, 51).Select(i => (long)i), _journal.ReadAll(350).Sequences);
        using var reader = JournalReader.Open(_journal.Directory);
        Assert.Equal(100, reader.Start!.AfterSequence);
    }

    [Fact]
    public void A_journal_that_falls_short_of_the_cut_is_set_aside_whole()
    {
        _journal.Write(50);
        string aside;
        using (var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options()))
        {
            writer.Sync(); // a checkpoint that vouches for records 1..50: it goes with them
            aside = writer.BeginAfter(new JournalStart(80, 999, "cut #80"))!;
            Assert.Equal(81, writer.Append(JournalFixture.TypeOf(81), JournalFixture.PayloadOf(81)));
        }
        Assert.Equal([81L], _journal.ReadAll().Sequences);
        Assert.Equal(Path.Combine(_journal.Directory, "superseded-1"), aside);
        Assert.Contains(Path.Combine(aside, JournalCheckpoint.FileName), Directory.GetFiles(aside));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), ReadAll(aside));

        // Back to a journal that begins at record 1 (no cut restores this one): the start goes, the records are set aside too.
        using (var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options()))
            Assert.Equal(Path.Combine(_journal.Directory, "superseded-2"), writer.BeginAfter(null));
        Assert.Null(JournalStart.Read(_journal.Directory));
        _journal.Write(3);
        Assert.Equal([1L, 2L, 3L], _journal.ReadAll().Sequences);
    }

    [Fact]
    public void A_start_file_that_does_not_match_the_first_segment_is_corruption()
    {
        _journal.Write(10);
        new JournalStart(5, 1, "cut #5").Write(_journal.Directory);
        Assert.Contains("first sequence 1 where 6 was expected", Assert.Throws<InvalidDataException>(() => _journal.ReadAll()).Message);
    }

    private static List<long> ReadAll(string directory)
    {
        using var reader = JournalReader.Open(directory);
        var seqs = new List<long>();
        while (reader.TryReadNext(out var record)) seqs.Add(record.Sequence);
        return seqs;
    }
}
