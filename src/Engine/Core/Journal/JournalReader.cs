namespace Sig.Engine.Journal;

/// <summary>One journal record. <see cref="Payload"/> is only valid until the reader moves on; copy it to keep it.</summary>
/// <param name="Sequence">The record's sequence number (1-based, +1 per record).</param>
/// <param name="Type">The caller-defined record type.</param>
/// <param name="Payload">The record's bytes.</param>
public readonly record struct JournalRecord(long Sequence, byte Type, ReadOnlyMemory<byte> Payload);

/// <summary>
/// Reads a journal directory in sequence order from a given sequence, verifying every
/// checksum and the +1 sequence chain across segments. Damage at the end of the last segment
/// (what a crash mid-append leaves) ends reading cleanly and is reported in
/// <see cref="TornTail"/>; damage anywhere else throws <see cref="InvalidDataException"/>
/// naming the file and offset. A live journal can be read: a record still being written
/// shows up as a torn tail.
/// </summary>
public sealed class JournalReader : IDisposable
{
    private readonly List<(int Index, string Path)> _segments;
    private readonly long _fromSequence;
    private int _next;
    private SegmentScanner? _scanner;
    private long _expectedSequence;

    private readonly string _directory;
    private readonly JournalCheckpoint? _checkpoint;

    private JournalReader(string directory, JournalCheckpoint? checkpoint, List<(int Index, string Path)> segments, int startSegment, long fromSequence, long expectedSequence)
    {
        _directory = directory;
        _checkpoint = checkpoint;
        _segments = segments;
        _next = startSegment;
        _fromSequence = fromSequence;
        _expectedSequence = expectedSequence;
    }

    /// <summary>The damaged tail of the last segment, once reading has reached it; null when the journal ends cleanly.</summary>
    public JournalDamage? TornTail { get; private set; }
    /// <summary>Number of segment files in the directory.</summary>
    public int Segments => _segments.Count;
    /// <summary>The segment the last record came from.</summary>
    public string? CurrentSegmentPath => _scanner?.Path;

    /// <summary>Where the journal begins when not at record 1 (<see cref="JournalStart"/>): records up to it are not in it.</summary>
    public JournalStart? Start { get; private init; }

    /// <summary>
    /// Opens the journal in <paramref name="directory"/> to read records with sequence ≥ <paramref name="fromSequence"/>
    /// (a journal that begins after a cut, <see cref="JournalStart"/>, is read from its first record).
    /// </summary>
    public static JournalReader Open(string directory, long fromSequence = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromSequence, 1);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such journal directory");
        // Read before listing: a writer appending meanwhile only ever moves the checkpoint behind what is on disk.
        var checkpoint = JournalCheckpoint.Read(directory);
        var begins = JournalStart.Read(directory);
        var segments = SegmentFormat.ListSegments(directory);
        // Start in the last segment whose first sequence is ≤ fromSequence; headers are 16 bytes, so reading them all is cheap.
        int start = 0;
        long expected = JournalStart.FirstSequenceOf(begins);
        fromSequence = Math.Max(fromSequence, expected);
        for (int i = 0; i < segments.Count; i++)
        {
            long first = FirstSequenceOf(segments[i].Path);
            if (first == 0 || first > fromSequence) break;
            start = i;
            expected = first;
        }
        if (start == 0) expected = JournalStart.FirstSequenceOf(begins); // the first segment must begin where the journal does
        return new JournalReader(directory, checkpoint, segments, start, fromSequence, expected) { Start = begins };
    }

    private static long FirstSequenceOf(string path)
    {
        using var scanner = SegmentScanner.Open(path);
        return scanner.FirstSequence;
    }

    /// <summary>Reads the next record; false at the end of the journal (clean, or at a torn tail).</summary>
    public bool TryReadNext(out JournalRecord record)
    {
        while (true)
        {
            if (_scanner is null && !OpenNextSegment())
            {
                CheckAgainstCheckpoint(null);
                record = default;
                return false;
            }
            var scanner = _scanner!;
            if (scanner.TryNext(out long sequence, out byte type, out var payload))
            {
                _expectedSequence = sequence + 1;
                if (sequence < _fromSequence) continue;
                record = new JournalRecord(sequence, type, payload);
                return true;
            }
            if (scanner.Damage is { } damage)
            {
                bool last = _next == _segments.Count;
                if (!last || scanner.DamageIsCorruption)
                    throw new InvalidDataException($"journal corrupt in the middle: {damage}");
                CheckAgainstCheckpoint(damage);
                TornTail = damage;
                record = default;
                return false;
            }
            scanner.Dispose();
            _scanner = null;
        }
    }

    /// <summary>At the end of the journal: whatever the checkpoint vouches for must be there, or the end is damage, not a tail.</summary>
    private void CheckAgainstCheckpoint(JournalDamage? tail)
    {
        if (_checkpoint is null) return;
        int lastSegment = _segments.Count == 0 ? 0 : _segments[^1].Index;
        // A segment whose header is torn holds no records; the one before it is where the journal ends.
        if (tail is { Offset: 0 }) lastSegment--;
        if (_checkpoint.ShortfallOf(_expectedSequence - 1, lastSegment, _directory) is { } shortfall)
            throw new InvalidDataException($"journal corrupt in the middle: {shortfall}{(tail is null ? "" : $" ({tail})")}");
    }

    private bool OpenNextSegment()
    {
        if (_next == _segments.Count) return false;
        var (index, path) = _segments[_next];
        if (_next > 0 && index != _segments[_next - 1].Index + 1)
            throw new InvalidDataException($"journal corrupt in the middle: segment {SegmentFormat.FileName(_segments[_next - 1].Index + 1)} is missing before {path}");
        _next++;
        _scanner = SegmentScanner.Open(path);
        // A torn header is only possible on the last segment; TryReadNext decides once it sees the damage.
        if (_scanner.Damage is null && _scanner.FirstSequence != _expectedSequence)
            throw new InvalidDataException($"journal corrupt in the middle: {path} at offset 8: first sequence {_scanner.FirstSequence} where {_expectedSequence} was expected");
        return true;
    }

    public void Dispose() => _scanner?.Dispose();
}
