using System.Globalization;

namespace Sig.Engine.Journal;

/// <summary>
/// Where a journal begins when it does not begin at record 1: its first record is
/// <see cref="AfterSequence"/> + 1, and the inputs before it are in a persisted cut, not here (a
/// cluster shard restored from its cut on a machine without the journal that led to it). Kept in
/// <c>journal.start</c> beside the segments, written once (temp file + rename) before the first
/// record. Record numbers keep counting inputs from the start of the day, so a cut's input number
/// means the same record in this journal and in the one the cut was taken from.
/// </summary>
/// <param name="AfterSequence">The last input before the journal's first record (the cut's input number).</param>
/// <param name="SourceSeq">The highest source (JetStream stream) sequence of inputs 1..<see cref="AfterSequence"/>: the journal's records come after it.</param>
/// <param name="Origin">What holds the inputs before it, in words (the cut's persistence id and sequence number).</param>
public sealed record JournalStart(long AfterSequence, ulong SourceSeq, string Origin)
{
    /// <summary>The file's name in the journal directory.</summary>
    public const string FileName = "journal.start";

    private const string Magic = "sig-journal-start v1";

    /// <summary>The directory's start, or null when the journal begins at record 1.</summary>
    public static JournalStart? Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        // "sig-journal-start v1 <afterSequence> <sourceSeq>\n<origin>\n"
        string[] lines = File.ReadAllText(path).Split('\n');
        string[] fields = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || fields.Length != 4 || $"{fields[0]} {fields[1]}" != Magic
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out long after) || after < 1
            || !ulong.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out ulong seq))
            throw new InvalidDataException($"{path}: unreadable journal start");
        return new JournalStart(after, seq, lines[1]);
    }

    /// <summary>Writes the file (temp file, fsynced, then rename): the journal in <paramref name="directory"/> begins after <see cref="AfterSequence"/>.</summary>
    public void Write(string directory)
    {
        if (AfterSequence < 1) throw new ArgumentOutOfRangeException(nameof(AfterSequence), "a journal that begins at record 1 has no start file");
        string path = Path.Combine(directory, FileName), tmp = path + ".tmp";
        using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Magic} {AfterSequence} {SourceSeq}\n{Origin.ReplaceLineEndings(" ")}\n")));
            file.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The first record's sequence in a journal with this start (1 without one).</summary>
    public static long FirstSequenceOf(JournalStart? start) => (start?.AfterSequence ?? 0) + 1;
}
