using Sig.Engine.Config;
using Sig.Engine.Journal;

namespace Sig.Engine.Tests.Journal;

/// <summary>A scratch journal directory plus helpers to write known records and read them back.</summary>
public sealed class JournalFixture : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "sig-journal-tests", Guid.NewGuid().ToString("N"));

    public static JournalOptions Options(long segmentBytes = 2048, string fsync = "never") =>
        new() { SegmentBytes = segmentBytes, Fsync = fsync };

    /// <summary>The payload of record <paramref name="seq"/>: its length and bytes follow from the sequence, so any read can be checked.</summary>
    public static byte[] PayloadOf(long seq)
    {
        var bytes = new byte[(int)(seq * 37 % 113)];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(seq * 31 + i);
        return bytes;
    }

    public static byte TypeOf(long seq) => (byte)(seq % 5 + 1);

    /// <summary>Appends records until the writer's sequence reaches <paramref name="lastSeq"/>.</summary>
    public static void AppendUpTo(JournalWriter writer, long lastSeq)
    {
        for (long seq = writer.LastSequence + 1; seq <= lastSeq; seq++)
            Xunit.Assert.Equal(seq, writer.Append(TypeOf(seq), PayloadOf(seq)));
    }

    public void Write(long records, JournalOptions? options = null)
    {
        using var writer = JournalWriter.Open(Directory, options ?? Options());
        AppendUpTo(writer, records);
    }

    /// <summary>Reads everything from <paramref name="from"/>, checking each record against <see cref="PayloadOf"/>; returns the sequences and the torn tail.</summary>
    public (List<long> Sequences, JournalDamage? TornTail) ReadAll(long from = 1)
    {
        using var reader = JournalReader.Open(Directory, from);
        var seqs = new List<long>();
        while (reader.TryReadNext(out var record))
        {
            Xunit.Assert.Equal(TypeOf(record.Sequence), record.Type);
            Xunit.Assert.Equal(PayloadOf(record.Sequence), record.Payload.ToArray());
            seqs.Add(record.Sequence);
        }
        return (seqs, reader.TornTail);
    }

    public List<(int Index, string Path)> Segments => SegmentFormat.ListSegments(Directory);

    /// <summary>Byte offset where each record of a segment starts, plus the end of the last one, from the known payload sizes.</summary>
    public static List<long> RecordBoundaries(long firstSeq, long lastSeq)
    {
        var offsets = new List<long> { SegmentFormat.HeaderBytes };
        for (long seq = firstSeq; seq <= lastSeq; seq++)
            offsets.Add(offsets[^1] + SegmentFormat.RecordHeaderBytes + PayloadOf(seq).Length);
        return offsets;
    }

    public static long FirstSequenceOf(string segmentPath)
    {
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderBytes];
        using var file = File.OpenRead(segmentPath);
        file.ReadExactly(header);
        return SegmentFormat.ReadHeader(header, segmentPath);
    }

    public static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x40));
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
