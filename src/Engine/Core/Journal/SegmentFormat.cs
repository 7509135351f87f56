using Sig.Engine.Hashing;
using System.Buffers.Binary;
using System.Globalization;

namespace Sig.Engine.Journal;

/// <summary>
/// The on-disk layout of journal segments (all integers little-endian).
/// <code>
/// segment header (16 bytes): magic "SIGJ" | version u32 | first sequence u64
/// record (17 + n bytes):     payload length u32 | CRC-32C of bytes 8..17+n u32 | sequence u64 | type u8 | payload
/// </code>
/// The checksum covers sequence, type and payload, which sit contiguously after it, so one
/// pass over the record verifies all three. Sequences start at 1 and grow by exactly 1
/// across the whole journal; a segment's header names the sequence of its first record.
/// </summary>
public static class SegmentFormat
{
    /// <summary>"SIGJ" read as a little-endian u32.</summary>
    public const uint Magic = 0x4A474953u;
    /// <summary>The format version this code writes and reads.</summary>
    public const uint Version = 1;
    /// <summary>Size of the segment header.</summary>
    public const int HeaderBytes = 16;
    /// <summary>Size of a record's fixed part (length, checksum, sequence, type).</summary>
    public const int RecordHeaderBytes = 17;
    /// <summary>Offset of the first checksummed byte (the sequence) within a record.</summary>
    public const int ChecksummedFrom = 8;

    private const string Prefix = "journal-";
    private const string Extension = ".seg";

    /// <summary>File name of the segment with 1-based index <paramref name="index"/>, e.g. journal-00000001.seg.</summary>
    public static string FileName(int index) => $"{Prefix}{index.ToString("D8", CultureInfo.InvariantCulture)}{Extension}";

    /// <summary>The journal's segment files in index order, as (index, full path).</summary>
    public static List<(int Index, string Path)> ListSegments(string directory)
    {
        var segments = new List<(int, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Extension))
        {
            var name = Path.GetFileName(path.AsSpan());
            var digits = name[Prefix.Length..^Extension.Length];
            if (digits.Length == 8 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index > 0)
                segments.Add((index, path));
        }
        segments.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return segments;
    }

    /// <summary>Writes a segment header for a segment whose first record will have <paramref name="firstSequence"/>.</summary>
    public static void WriteHeader(Span<byte> destination, long firstSequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], firstSequence);
    }

    /// <summary>
    /// Parses a complete 16-byte header. A wrong magic or version is never a torn write
    /// (the header goes out in one write before any record), so it throws.
    /// </summary>
    public static long ReadHeader(ReadOnlySpan<byte> header, string path)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        long first = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        if (magic != Magic) throw new InvalidDataException($"{path}: not a journal segment (bad magic 0x{magic:X8} at offset 0)");
        if (version != Version) throw new InvalidDataException($"{path}: unsupported journal version {version} at offset 4");
        if (first < 1) throw new InvalidDataException($"{path}: invalid first sequence {first} at offset 8");
        return first;
    }

    /// <summary>Writes a whole record (fixed part with checksum, then payload) into <paramref name="destination"/>.</summary>
    public static void WriteRecord(Span<byte> destination, long sequence, byte type, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], sequence);
        destination[16] = type;
        payload.CopyTo(destination[RecordHeaderBytes..]);
        uint crc = Crc32C.Compute(destination.Slice(ChecksummedFrom, RecordHeaderBytes - ChecksummedFrom + payload.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], crc);
    }

    /// <summary>Whether the checksum stored in a record's fixed part matches its sequence, type and payload.</summary>
    public static bool ChecksumMatches(ReadOnlySpan<byte> recordHeader, ReadOnlySpan<byte> payload)
    {
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader[4..]);
        uint register = Crc32C.Update(~0u, recordHeader[ChecksummedFrom..RecordHeaderBytes]);
        return ~Crc32C.Update(register, payload) == stored;
    }
}
