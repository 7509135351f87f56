using Sig.Engine.Config;

namespace Sig.Engine.Journal;

/// <summary>
/// Appends records to a journal directory (<see cref="SegmentFormat"/>). Opening recovers from
/// a crash: the last segment is scanned, a torn or corrupt tail (what an interrupted write
/// leaves) is counted and truncated away, and appending continues with the next sequence.
/// Damage followed by intact records is not a torn write and makes <see cref="Open"/> throw
/// rather than cut good data. One writer per directory, enforced with a lock file.
/// Not thread-safe: one thread appends.
/// </summary>
public sealed class JournalWriter : IDisposable
{
    private const string LockFileName = "journal.lock";

    private readonly string _directory;
    private readonly JournalFsync _fsync;
    private readonly long _segmentBytes;
    private readonly FileStream _lock;
    private FileStream _segment;
    private int _segmentIndex;
    private long _segmentLength;
    private long _recordsInSegment;
    private byte[] _buffer = new byte[1 << 16];
    // Records of the open batch, written with one write() at CommitBatch.
    private readonly System.Buffers.ArrayBufferWriter<byte> _batch = new(1 << 16);
    private bool _batching;
    private bool _broken;
    private bool _disposed;

    private JournalWriter(string directory, JournalOptions options, FileStream lockFile)
    {
        _directory = directory;
        _fsync = JournalFsyncNames.Parse(options.Fsync);
        if (options.SegmentBytes < SegmentFormat.HeaderBytes + SegmentFormat.RecordHeaderBytes)
            throw new ArgumentException($"journal.segmentBytes: {options.SegmentBytes} is too small for one record");
        _segmentBytes = options.SegmentBytes;
        _lock = lockFile;
        _segment = null!; // set by Recover before Open returns
    }

    /// <summary>Sequence of the last record appended (or recovered); 0 for an empty journal.</summary>
    public long LastSequence { get; private set; }
    /// <summary>Torn tails cut on open: 0 after a clean shutdown.</summary>
    public int TornTailsCut { get; private set; }
    /// <summary>Bytes removed by those cuts.</summary>
    public long TruncatedTailBytes { get; private set; }
    /// <summary>Where and why the tail was cut, when it was.</summary>
    public JournalDamage? CutTail { get; private set; }
    /// <summary>Number of segment files in the journal.</summary>
    public int Segments { get; private set; }
    /// <summary>The segment being appended to.</summary>
    public string CurrentSegmentPath => _segment.Name;

    /// <summary>Opens (creating if needed) the journal in <paramref name="directory"/>, recovering a torn tail.</summary>
    public static JournalWriter Open(string directory, JournalOptions options)
    {
        Directory.CreateDirectory(directory);
        var lockFile = OpenLock(directory);
        try
        {
            var writer = new JournalWriter(directory, options, lockFile);
            writer.Recover();
            return writer;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    private static FileStream OpenLock(string directory)
    {
        string path = Path.Combine(directory, LockFileName);
        try
        {
            // FileShare.None takes an exclusive advisory lock; the OS drops it if the process dies.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"{directory}: journal is already open for writing by another writer", ex);
        }
    }

    private void Recover()
    {
        var checkpoint = JournalCheckpoint.Read(_directory);
        var segments = SegmentFormat.ListSegments(_directory);
        while (segments.Count > 0)
        {
            var (index, path) = segments[^1];
            using (var scanner = SegmentScanner.Open(path))
            {
                while (scanner.TryNext(out _, out _, out _)) { }
                // What the checkpoint vouches for was written whole: losing any of it is damage, never a tail to cut.
                string? shortfall = scanner.FirstSequence == 0
                    ? checkpoint is not null && index <= checkpoint.Segment ? $"{path}: torn segment header, but the checkpoint says segment {checkpoint.Segment} was written" : null
                    : checkpoint?.ShortfallOf(scanner.NextSequence - 1, index, _directory);
                if (shortfall is not null) throw new InvalidDataException($"journal damaged (refusing to truncate or append): {shortfall}");
                if (scanner.Damage is { } damage)
                {
                    if (scanner.DamageIsCorruption)
                        throw new InvalidDataException($"journal corrupt (not a torn tail, refusing to truncate): {damage}");
                    TornTailsCut++;
                    TruncatedTailBytes += damage.Bytes;
                    CutTail = damage;
                }
                if (scanner.FirstSequence == 0)
                {
                    // The crash came while the segment's header was being written: it holds no
                    // records, so it goes and the previous segment becomes the tail again.
                    scanner.Dispose();
                    File.Delete(path);
                    segments.RemoveAt(segments.Count - 1);
                    continue;
                }
                LastSequence = scanner.NextSequence - 1;
                _segmentLength = scanner.GoodEnd;
                _recordsInSegment = scanner.NextSequence - scanner.FirstSequence;
            }
            _segmentIndex = index;
            _segment = OpenSegmentForAppend(path, FileMode.Open);
            if (_segment.Length != _segmentLength)
            {
                _segment.SetLength(_segmentLength);
                _segment.Flush(flushToDisk: true);
            }
            _segment.Position = _segmentLength;
            Segments = segments.Count;
            return;
        }
        _segmentIndex = 0;
        LastSequence = JournalStart.FirstSequenceOf(JournalStart.Read(_directory)) - 1;
        StartSegment();
    }

    /// <summary>
    /// Makes the journal begin after <paramref name="start"/>'s sequence (<see cref="JournalStart"/>): the next record
    /// appended is <see cref="JournalStart.AfterSequence"/> + 1 (record 1 when null). What the directory held goes first: an empty journal's
    /// segment is deleted; a journal with records (one that falls short of the cut the inputs before the start are in)
    /// moves, with every file beside it but the lock, into a <c>superseded-N</c> directory under it, kept for
    /// inspection and never read again. Returns that directory, or null.
    /// </summary>
    public string? BeginAfter(JournalStart? start)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_batching || _batch.WrittenCount > 0) throw new InvalidOperationException("a batch is open");
        _segment.Dispose();
        long records = LastSequence - (JournalStart.FirstSequenceOf(JournalStart.Read(_directory)) - 1);
        string? aside = null;
        if (records > 0)
        {
            int n = 1;
            while (Directory.Exists(Path.Combine(_directory, $"superseded-{n}"))) n++;
            aside = Directory.CreateDirectory(Path.Combine(_directory, $"superseded-{n}")).FullName;
            foreach (string file in Directory.GetFiles(_directory))
                if (Path.GetFileName(file) != LockFileName) File.Move(file, Path.Combine(aside, Path.GetFileName(file)));
        }
        else
        {
            foreach (var (_, path) in SegmentFormat.ListSegments(_directory)) File.Delete(path);
            File.Delete(Path.Combine(_directory, JournalCheckpoint.FileName));
            File.Delete(Path.Combine(_directory, JournalStart.FileName));
        }
        start?.Write(_directory);
        LastSequence = start?.AfterSequence ?? 0;
        _segmentIndex = 0;
        Segments = 0;
        StartSegment();
        return aside;
    }

    private static FileStream OpenSegmentForAppend(string path, FileMode mode) => new(path, new FileStreamOptions
    {
        // No managed buffer: each append is one write() straight to the OS.
        Mode = mode, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0,
    });

    private void StartSegment()
    {
        _segmentIndex++;
        _segment = OpenSegmentForAppend(Path.Combine(_directory, SegmentFormat.FileName(_segmentIndex)), FileMode.CreateNew);
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderBytes];
        SegmentFormat.WriteHeader(header, LastSequence + 1);
        _segment.Write(header);
        if (_fsync != JournalFsync.Never) _segment.Flush(flushToDisk: true);
        _segmentLength = SegmentFormat.HeaderBytes;
        _recordsInSegment = 0;
        Segments++;
    }

    /// <summary>
    /// Appends one record and returns its sequence. The type byte is the caller's (the journal
    /// never interprets it). A record that would overflow the segment starts a new one; a record
    /// larger than a whole segment gets a segment to itself.
    /// </summary>
    public long Append(byte type, ReadOnlySpan<byte> payload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken) throw new InvalidOperationException("journal writer failed earlier; reopen it to recover the tail");
        int recordBytes = checked(SegmentFormat.RecordHeaderBytes + payload.Length);
        if (_recordsInSegment > 0 && _segmentLength + recordBytes > _segmentBytes)
        {
            WriteBatch();
            Roll();
        }
        long sequence = LastSequence + 1;
        if (_batching)
        {
            SegmentFormat.WriteRecord(_batch.GetSpan(recordBytes)[..recordBytes], sequence, type, payload);
            _batch.Advance(recordBytes);
            _segmentLength += recordBytes;
            _recordsInSegment++;
            LastSequence = sequence;
            return sequence;
        }
        if (_buffer.Length < recordBytes) _buffer = new byte[Math.Max(recordBytes, _buffer.Length * 2)];
        var record = _buffer.AsSpan(0, recordBytes);
        SegmentFormat.WriteRecord(record, sequence, type, payload);
        try
        {
            _segment.Write(record);
            if (_fsync == JournalFsync.Always) _segment.Flush(flushToDisk: true);
        }
        catch
        {
            // A partial record may now sit at the end of the file; the next Open cuts it.
            _broken = true;
            throw;
        }
        _segmentLength += recordBytes;
        _recordsInSegment++;
        LastSequence = sequence;
        return sequence;
    }

    /// <summary>
    /// Gathers the following appends in memory until <see cref="CommitBatch"/> writes them with
    /// one write() (one syscall per pulled batch instead of one per message). Nothing appended
    /// in a batch may be acknowledged upstream before the commit returns.
    /// </summary>
    public void BeginBatch()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _batching = true;
    }

    /// <summary>Writes the batch's records to the file (and fsyncs them under the "always" policy).</summary>
    public void CommitBatch()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WriteBatch();
        _batching = false;
        if (_fsync == JournalFsync.Always) _segment.Flush(flushToDisk: true);
    }

    private void WriteBatch()
    {
        if (_batch.WrittenCount == 0) return;
        if (_broken) throw new InvalidOperationException("journal writer failed earlier; reopen it to recover the tail");
        try
        {
            _segment.Write(_batch.WrittenSpan);
        }
        catch
        {
            _broken = true;
            throw;
        }
        _batch.ResetWrittenCount();
    }

    /// <summary>
    /// The minute-watermark hook: fsyncs under <see cref="JournalFsync.Minute"/>, and under every
    /// policy records a <see cref="JournalCheckpoint"/>, so a later cut or missing segment at or
    /// before this point is told apart from a torn tail.
    /// </summary>
    public void Sync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WriteBatch();
        if (_fsync == JournalFsync.Minute) _segment.Flush(flushToDisk: true);
        new JournalCheckpoint(LastSequence, _segmentIndex).Write(_directory, flushToDisk: _fsync is JournalFsync.Minute or JournalFsync.Always);
    }

    private void Roll()
    {
        if (_fsync != JournalFsync.Never) _segment.Flush(flushToDisk: true);
        _segment.Dispose();
        StartSegment();
    }

    /// <summary>Fsyncs (unless the policy is never) and closes the segment and the lock.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_broken) WriteBatch();
            if (_fsync != JournalFsync.Never && !_broken) _segment.Flush(flushToDisk: true);
        }
        finally
        {
            _segment.Dispose();
            _lock.Dispose();
        }
    }
}
