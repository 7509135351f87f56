using System.Buffers.Binary;

namespace Sig.Engine.Journal;

/// <summary>Where a segment stops being readable, why, and how many bytes from there to the end of the file.</summary>
/// <param name="Path">The segment file.</param>
/// <param name="Offset">Byte offset of the first unreadable record (or of the header).</param>
/// <param name="Bytes">Bytes from <paramref name="Offset"/> to the end of the file.</param>
/// <param name="Reason">What was wrong: short header, short payload, bad checksum, sequence gap.</param>
public sealed record JournalDamage(string Path, long Offset, long Bytes, string Reason)
{
    /// <summary>"file at offset N: reason" for messages.</summary>
    public override string ToString() => $"{Path} at offset {Offset}: {Reason}";
}

/// <summary>
/// Reads one segment record by record, verifying length, checksum and sequence, and stops at
/// the first bad record. It then decides whether the damage can be a torn tail (nothing intact
/// follows) or is corruption in the middle of the file (an intact later record exists).
/// </summary>
internal sealed class SegmentScanner : IDisposable
{
    private readonly FileStream _stream;
    private readonly long _length;
    private readonly byte[] _recordHeader = new byte[SegmentFormat.RecordHeaderBytes];
    private byte[] _payload = new byte[4096];
    private long _offset;

    private SegmentScanner(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
        _length = stream.Length;
    }

    /// <summary>The segment file.</summary>
    public string Path { get; }
    /// <summary>Sequence from the header; 0 when the header itself is torn.</summary>
    public long FirstSequence { get; private set; }
    /// <summary>Sequence the next record must carry.</summary>
    public long NextSequence { get; private set; }
    /// <summary>Offset just past the last good record: where a torn tail gets cut.</summary>
    public long GoodEnd => _offset;
    /// <summary>The first bad record, once the scan reached it; null while clean.</summary>
    public JournalDamage? Damage { get; private set; }
    /// <summary>True when the damage cannot be a torn write: an intact record follows it, or the bad record is itself intact.</summary>
    public bool DamageIsCorruption { get; private set; }
    /// <summary>Bytes in the file when opened.</summary>
    public long Length => _length;

    /// <summary>Opens a segment and reads its header; a file shorter than a header is reported as damage at offset 0.</summary>
    public static SegmentScanner Open(string path)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open, Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 1 << 16,
        });
        var scanner = new SegmentScanner(path, stream);
        try
        {
            Span<byte> header = stackalloc byte[SegmentFormat.HeaderBytes];
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            {
                scanner.Damage = new JournalDamage(path, 0, scanner._length, "short segment header");
                return scanner;
            }
            scanner.FirstSequence = SegmentFormat.ReadHeader(header, path);
            scanner.NextSequence = scanner.FirstSequence;
            scanner._offset = SegmentFormat.HeaderBytes;
            return scanner;
        }
        catch
        {
            scanner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the next record. Returns false at the clean end of the file or at the first bad
    /// record (then <see cref="Damage"/> is set). The payload is valid until the next call.
    /// </summary>
    public bool TryNext(out long sequence, out byte type, out ReadOnlyMemory<byte> payload)
    {
        sequence = 0; type = 0; payload = default;
        if (Damage is not null || _offset == _length) return false;

        int got = _stream.ReadAtLeast(_recordHeader, _recordHeader.Length, throwOnEndOfStream: false);
        if (got < _recordHeader.Length) return Fail("short record header", intact: false);

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_recordHeader);
        long recordEnd = _offset + SegmentFormat.RecordHeaderBytes + length;
        // The writer never produces a payload beyond an array's reach, so a larger length is damage too.
        if (recordEnd > _length || length > Array.MaxLength) return Fail($"short payload ({length} bytes claimed, {_length - _offset - SegmentFormat.RecordHeaderBytes} present)", intact: false);

        if (_payload.Length < length) _payload = new byte[Math.Max(length, (uint)_payload.Length * 2)];
        var body = _payload.AsSpan(0, (int)length);
        _stream.ReadExactly(body);

        if (!SegmentFormat.ChecksumMatches(_recordHeader, body)) return Fail("bad checksum", intact: false);
        long seq = BinaryPrimitives.ReadInt64LittleEndian(_recordHeader.AsSpan(8));
        // An intact record with the wrong sequence was written that way: never a torn write.
        if (seq != NextSequence) return Fail($"sequence {seq} where {NextSequence} was expected", intact: true);

        sequence = seq;
        type = _recordHeader[16];
        payload = _payload.AsMemory(0, (int)length);
        _offset = recordEnd;
        NextSequence++;
        return true;
    }

    private bool Fail(string reason, bool intact)
    {
        Damage = new JournalDamage(Path, _offset, _length - _offset, reason);
        DamageIsCorruption = intact || IntactRecordFollows();
        return false;
    }

    /// <summary>
    /// Searches the bytes after the bad record for an intact record with a later sequence. A
    /// torn write leaves only the partial record (or zeros/garbage) behind it, never a valid
    /// record; if one exists, the bad record was damaged in place. The sequence of such a
    /// record is bounded by how many records could fit before it, which keeps false matches
    /// on garbage to a checksum collision.
    /// </summary>
    private bool IntactRecordFollows()
    {
        const int Window = 1 << 20;
        var window = new byte[Window + SegmentFormat.RecordHeaderBytes];
        var handle = _stream.SafeFileHandle;
        // Candidate record starts p run over (bad offset, end - header]; windows overlap by one header.
        for (long windowStart = _offset + 1; windowStart + SegmentFormat.RecordHeaderBytes <= _length; windowStart += Window)
        {
            int got = RandomAccess.Read(handle, window, windowStart);
            for (int i = 0; i + SegmentFormat.RecordHeaderBytes <= got && i < Window; i++)
            {
                long p = windowStart + i;
                long seq = BinaryPrimitives.ReadInt64LittleEndian(window.AsSpan(i + 8));
                long recordsThatFit = (p - _offset) / SegmentFormat.RecordHeaderBytes;
                if (seq <= NextSequence || seq > NextSequence + recordsThatFit) continue;
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(window.AsSpan(i));
                if (p + SegmentFormat.RecordHeaderBytes + length > _length) continue;
                var record = new byte[SegmentFormat.RecordHeaderBytes + length];
                RandomAccess.Read(handle, record, p);
                if (SegmentFormat.ChecksumMatches(record, record.AsSpan(SegmentFormat.RecordHeaderBytes))) return true;
            }
        }
        return false;
    }

    public void Dispose() => _stream.Dispose();
}
