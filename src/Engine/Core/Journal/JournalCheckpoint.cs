using System.Globalization;

namespace Sig.Engine.Journal;

/// <summary>
/// What the writer vouches for at each <see cref="JournalWriter.Sync"/> (the minute watermark):
/// records 1..<see cref="LastSequence"/> were written (and fsynced under the minute policy) and
/// segment <see cref="Segment"/> exists. Kept in <c>journal.checkpoint</c> beside the segments,
/// replaced atomically. Segments alone cannot tell a journal cut at a record boundary, or one
/// whose last segment was deleted, from a shorter journal; against the checkpoint, anything
/// missing at or before it is damage, and only what follows it can be a torn tail.
/// </summary>
/// <param name="LastSequence">Every record up to this sequence was written.</param>
/// <param name="Segment">Index of the segment being appended to at the time.</param>
public sealed record JournalCheckpoint(long LastSequence, int Segment)
{
    /// <summary>The checkpoint's file name in the journal directory.</summary>
    public const string FileName = "journal.checkpoint";

    private const string Magic = "sig-journal-checkpoint v1";

    /// <summary>The directory's checkpoint, or null when none was written yet (a journal never synced, or older than checkpoints).</summary>
    public static JournalCheckpoint? Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        string[] fields = File.ReadAllText(path).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        // "sig-journal-checkpoint v1 <lastSequence> <segment>"
        if (fields.Length != 4 || $"{fields[0]} {fields[1]}" != Magic
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out long last)
            || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out int segment))
            throw new InvalidDataException($"{path}: unreadable journal checkpoint");
        return new JournalCheckpoint(last, segment);
    }

    /// <summary>Replaces the directory's checkpoint (temp file, optionally fsynced, then rename).</summary>
    public void Write(string directory, bool flushToDisk)
    {
        string path = Path.Combine(directory, FileName), tmp = path + ".tmp";
        using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Magic} {LastSequence} {Segment}\n")));
            if (flushToDisk) file.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// The damage when a journal that ends after record <paramref name="lastSequence"/> in
    /// segment <paramref name="lastSegment"/> falls short of this checkpoint; null when it does not.
    /// </summary>
    public string? ShortfallOf(long lastSequence, int lastSegment, string directory) =>
        lastSegment < Segment
            ? $"{Path.Combine(directory, SegmentFormat.FileName(Segment))} is missing: the journal ends in segment {lastSegment} (record {lastSequence}) but its checkpoint says records through {LastSequence} were written in segment {Segment}"
            : lastSequence < LastSequence
                ? $"records {lastSequence + 1}..{LastSequence} are missing: the journal ends at record {lastSequence} but its checkpoint says records through {LastSequence} were written (cut short, not a torn tail)"
                : null;
}
